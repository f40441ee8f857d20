import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

/** A fresh temp directory per test, removed afterwards; `write` creates files with a mode. */
export function useTempDir(): {
  path: () => string;
  write: (name: string, text: string, mode?: number) => string;
} {
  let current: string | undefined;
  afterEach(() => {
    if (current !== undefined) rmSync(current, { recursive: true, force: true });
    current = undefined;
  });
  const path = (): string => {
    current ??= mkdtempSync(join(tmpdir(), 'credproxy-test-'));
    return current;
  };
  const write = (name: string, text: string, mode = 0o600): string => {
    const file = join(path(), name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    chmodSync(file, mode);
    return file;
  };
  return { path, write };
}
