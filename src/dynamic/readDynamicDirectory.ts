import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { errorCode } from '../config/fileReader.js';
import { type DirectoryReader, nodeDirectoryReader } from './directoryReader.js';
import { type CompiledDirectory, isWatchedFile } from './isWatchedFile.js';

/**
 * One candidate service file: its path, its stat identity, and its content's digest (or why it
 * is unreadable). `unchanged` files were not read: their identity matched the last one seen.
 */
export interface DirectoryFile {
  readonly file: string;
  /** Inode, size, mtime and ctime: any write, rename over or ConfigMap swap changes it. */
  readonly statKey: string;
  readonly unchanged: boolean;
  readonly text: string | undefined;
  readonly digest: string;
  /** The Node error code (EACCES, EIO, ...) when the file could not be stat-ed or read. */
  readonly readError?: string;
}

/**
 * What one read of a directory found. A directory that does not exist is `missing`; one that
 * exists but cannot be listed (EACCES, EIO, ...) is `unreadable`, which says nothing about its
 * files: the caller keeps what it knew of them.
 */
export type DirectoryListing =
  | { readonly status: 'read'; readonly files: readonly DirectoryFile[] }
  | { readonly status: 'missing'; readonly files: readonly DirectoryFile[] }
  | {
      readonly status: 'unreadable';
      readonly code: string;
      readonly files: readonly DirectoryFile[];
    };

/** Only the directory itself is read, not its subdirectories, as in the original. */
export const MAX_DEPTH = 1;

/**
 * Lists and reads every service file below `directory` now. A missing directory is reported
 * by the caller and picked up once it appears. Symbolic links to files are followed (a
 * ConfigMap's files are links into `..data/`).
 */
export async function readDynamicDirectory(
  directory: CompiledDirectory,
  lastStatKey: (file: string) => string | undefined = () => undefined,
  reader: DirectoryReader = nodeDirectoryReader,
): Promise<DirectoryListing> {
  const files: DirectoryFile[] = [];
  async function walk(relative: string, depth: number): Promise<void> {
    const names = await reader.readdir(join(directory.path, relative));
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const rel = relative === '' ? name : `${relative}/${name}`;
      const full = join(directory.path, rel);
      let info: Awaited<ReturnType<DirectoryReader['stat']>>;
      try {
        info = await reader.stat(full);
      } catch (error) {
        // Gone since the listing (or a dangling link): not a file of this directory. Any other
        // failure (a directory without x permission) says nothing about the file's content.
        if (!isMissing(error) && isWatchedFile(rel, directory)) files.push(unreadable(full, error));
        continue;
      }
      if (info.isDirectory()) {
        if (depth + 1 < MAX_DEPTH) await walk(rel, depth + 1).catch(() => undefined);
      } else if (info.isFile() && isWatchedFile(rel, directory)) {
        const statKey = `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
        files.push(
          lastStatKey(full) === statKey
            ? { file: full, statKey, unchanged: true, text: undefined, digest: '' }
            : await readOne(full, statKey, reader),
        );
      }
    }
  }
  try {
    await walk('', 0);
  } catch (error) {
    if (isMissing(error)) return { status: 'missing', files: [] };
    return { status: 'unreadable', code: errorCode(error) ?? 'UNKNOWN', files: [] };
  }
  return { status: 'read', files };
}

async function readOne(
  file: string,
  statKey: string,
  reader: DirectoryReader,
): Promise<DirectoryFile> {
  try {
    const text = await reader.readText(file);
    const digest = createHash('sha256').update(text).digest('base64');
    return { file, statKey, unchanged: false, text, digest };
  } catch (error) {
    return { ...unreadable(file, error), statKey };
  }
}

/** A file whose content is unknown: its previous definition, if any, stays. */
function unreadable(file: string, error: unknown): DirectoryFile {
  const code = errorCode(error) ?? 'EIO';
  return {
    file,
    statKey: `unreadable:${code}`,
    unchanged: false,
    text: undefined,
    digest: `unreadable:${code}`,
    readError: code,
  };
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
