import { readdir, readFile, stat } from 'node:fs/promises';

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
 * system would only fail for another user (EACCES as root). Each method throws a Node error
 * with `code` (ENOENT, EACCES, EIO, ...).
 */
export interface DirectoryReader {
  /** The names in a directory. */
  readdir(path: string): Promise<string[]>;
  /** Follows symbolic links, as a ConfigMap's files need. */
  stat(path: string): Promise<EntryInfo>;
  /** A file's text (UTF-8). */
  readText(path: string): Promise<string>;
}

export const nodeDirectoryReader: DirectoryReader = {
  readdir: (path) => readdir(path),
  stat: (path) => stat(path),
  readText: (path) => readFile(path, 'utf8'),
};
