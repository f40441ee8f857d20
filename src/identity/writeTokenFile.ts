import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** How token files reach the disk; injected so tests can watch or fail writes. */
export interface TokenFileWriter {
  /** Replace `path` with exactly `token` (no newline) and permissions `mode`, atomically. */
  write(path: string, token: string, mode: number): Promise<void>;
  /** Delete `path`; a missing file is not an error. */
  remove(path: string): Promise<void>;
}

/**
 * A temporary file in the same directory, then a rename: a reader sees the old token or the new
 * one, never a part. The temporary name is hidden (watchers skip it) and created exclusively
 * (`wx`: a symlink planted at that name is refused, not followed); rename replaces a symlink at
 * `path` instead of writing through it. The mode is set again after the open because the
 * process umask may have masked bits of it.
 */
export const nodeTokenFileWriter: TokenFileWriter = {
  async write(path, token, mode) {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    let handle: FileHandle | undefined;
    try {
      handle = await open(temp, 'wx', mode);
      await handle.chmod(mode);
      await handle.writeFile(token);
      await handle.close();
      handle = undefined;
      await rename(temp, path);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  },
  async remove(path) {
    await rm(path, { force: true });
  },
};
