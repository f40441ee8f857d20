import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeDirectoryReader } from '../../src/dynamic/directoryReader.js';

describe('nodeDirectoryReader.readHead', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credproxy-reader-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    // file size, maxBytes
    [3_000, 1_025],
    [200_000, 150_001],
    [0, 10],
    [10, 10],
    [9, 10],
  ])(
    'reads at most maxBytes of a %i-byte file (maxBytes %i) and reports its size',
    async (size, maxBytes) => {
      const content = randomBytes(size);
      const file = join(dir, 'file');
      await writeFile(file, content);

      const head = await nodeDirectoryReader.readHead(file, maxBytes);

      expect(head.size).toBe(size);
      expect(head.bytes.equals(content.subarray(0, maxBytes))).toBe(true);
    },
  );
});
