import { open, readdir, stat } from 'node:fs/promises';

/** What a rescan needs to know of one directory entry (a `fs.Stats` is one). */
export interface EntryInfo {
  isFile(): boolean;
  isDirectory(): boolean;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

/**
 * The file access of a rescan, as a seam: tests pass a reader that fails where a real file
 * system would only fail for another user (EACCES as root) or by chance (a file growing between
 * stat and read). Each method throws a Node error with `code` (ENOENT, EACCES, EIO, ...).
 */
export interface DirectoryReader {
  /** The names in a directory. */
  readdir(path: string): Promise<string[]>;
  /** Follows symbolic links, as a ConfigMap's files need. */
  stat(path: string): Promise<EntryInfo>;
  /**
   * The first `maxBytes` bytes of a file at most, and its size once they were read: a file
   * larger than the caller allows is never read whole, however much it grew since `stat`.
   */
  readHead(path: string, maxBytes: number): Promise<{ bytes: Buffer; size: number }>;
}

const READ_CHUNK_BYTES = 64 * 1024;

export const nodeDirectoryReader: DirectoryReader = {
  readdir: (path) => readdir(path),
  stat: (path) => stat(path),
  async readHead(path, maxBytes) {
    const handle = await open(path, 'r');
    try {
      // In chunks, so a small file under a large limit costs a small buffer.
      const chunks: Buffer[] = [];
      let length = 0;
      while (length < maxBytes) {
        const chunk = Buffer.alloc(Math.min(READ_CHUNK_BYTES, maxBytes - length));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
        if (bytesRead === 0) break;
        chunks.push(chunk.subarray(0, bytesRead));
        length += bytesRead;
      }
      const { size } = await handle.stat();
      return { bytes: Buffer.concat(chunks, length), size };
    } finally {
      await handle.close();
    }
  },
};
