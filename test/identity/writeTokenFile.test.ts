import {
  lstatSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeTokenFileWriter } from '../../src/identity/writeTokenFile.js';
import { useTempDir } from '../config/tempDir.js';

const TOKEN = 'a'.repeat(32) + 'b'.repeat(32);

describe('nodeTokenFileWriter', () => {
  const dir = useTempDir();

  it('writes exactly the token, no trailing newline, and leaves no temporary file', async () => {
    const path = join(dir.path(), 'app1');

    await nodeTokenFileWriter.write(path, TOKEN, 0o600);

    expect(readFileSync(path, 'utf8')).toBe(TOKEN);
    expect(readdirSync(dir.path())).toEqual(['app1']);
  });

  it('sets the mode exactly, whatever the umask removed at creation (0660 under umask 022)', async () => {
    const path = join(dir.path(), 'app1');

    await nodeTokenFileWriter.write(path, TOKEN, 0o660);

    expect(statSync(path).mode & 0o777).toBe(0o660);
  });

  it('replaces a symbolic link at the path instead of writing through it', async () => {
    const elsewhere = dir.write('elsewhere', 'unchanged', 0o644);
    const path = join(dir.path(), 'app1');
    symlinkSync(elsewhere, path);

    await nodeTokenFileWriter.write(path, TOKEN, 0o600);

    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(TOKEN);
    expect(readFileSync(elsewhere, 'utf8')).toBe('unchanged');
  });

  it('replaces an existing token in one rename: the old inode is never written to', async () => {
    const path = join(dir.path(), 'app1');
    writeFileSync(path, 'old-token');
    const before = statSync(path).ino;

    await nodeTokenFileWriter.write(path, TOKEN, 0o600);

    expect(statSync(path).ino).not.toBe(before);
    expect(readFileSync(path, 'utf8')).toBe(TOKEN);
  });

  it('fails with ENOENT when the directory is missing, leaving nothing behind', async () => {
    const path = join(dir.path(), 'missing', 'app1');

    const error = await nodeTokenFileWriter.write(path, TOKEN, 0o600).catch((e: unknown) => e);

    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(readdirSync(dir.path())).toEqual([]);
  });

  it('removes a file, and a missing one is no error', async () => {
    const path = dir.write('app1', TOKEN);

    await nodeTokenFileWriter.remove(path);
    await nodeTokenFileWriter.remove(path);

    expect(readdirSync(dir.path())).toEqual([]);
  });
});
