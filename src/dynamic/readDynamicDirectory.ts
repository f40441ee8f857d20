import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { errorCode } from '../config/fileReader.js';
import type { ErrorCode } from '../errorCodes.js';
import { type DirectoryReader, type EntryInfo, nodeDirectoryReader } from './directoryReader.js';
import { type CompiledDirectory, isWatchedFile } from './isWatchedFile.js';

/**
 * One candidate service file: its path, its stat identity, and its content's digest (or why it
 * was not read). `unchanged` files were not read: their identity matched the last one seen.
 */
export interface DirectoryFile {
  readonly file: string;
  /** Inode, size, mtime and ctime: any write, rename over or ConfigMap swap changes it. */
  readonly statKey: string;
  readonly unchanged: boolean;
  readonly text: string | undefined;
  readonly digest: string;
  /** Why `text` is undefined although the file was not `unchanged`. Never holds content. */
  readonly problem?: { readonly code: ErrorCode; readonly message: string };
}

export interface ReadDirectoryOptions {
  /** The stat identity last seen for a file: files that still have it are not read again. */
  readonly lastStatKey?: (file: string) => string | undefined;
  /** `dynamic_services.max_file_bytes`: larger files are rejected, never read whole. */
  readonly maxFileBytes: number;
  readonly reader?: DirectoryReader;
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
  options: ReadDirectoryOptions,
): Promise<DirectoryListing> {
  const { lastStatKey = () => undefined, maxFileBytes, reader = nodeDirectoryReader } = options;
  const files: DirectoryFile[] = [];
  async function walk(relative: string, depth: number): Promise<void> {
    const names = await reader.readdir(join(directory.path, relative));
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const rel = relative === '' ? name : `${relative}/${name}`;
      const full = join(directory.path, rel);
      let info: EntryInfo;
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
        if (lastStatKey(full) === statKey) {
          files.push({ file: full, statKey, unchanged: true, text: undefined, digest: '' });
        } else if (info.size > maxFileBytes) {
          // A sparse terabyte is refused here, without reading a byte of it.
          files.push(tooLarge(full, statKey, info.size, maxFileBytes));
        } else {
          files.push(await readOne(full, statKey, reader, maxFileBytes));
        }
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
  maxFileBytes: number,
): Promise<DirectoryFile> {
  let head: { bytes: Buffer; size: number };
  try {
    // One byte over the limit tells a file that grew since `stat` from one that did not.
    head = await reader.readHead(file, maxFileBytes + 1);
  } catch (error) {
    return { ...unreadable(file, error), statKey };
  }
  if (head.bytes.length > maxFileBytes) {
    return tooLarge(file, statKey, Math.max(head.size, head.bytes.length), maxFileBytes);
  }
  const text = head.bytes.toString('utf8');
  const digest = createHash('sha256').update(text).digest('base64');
  return { file, statKey, unchanged: false, text, digest };
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
    problem: { code: 'CONFIG_UNREADABLE', message: `cannot be read (${code})` },
  };
}

/** A file over the limit: rejected unread, its previous definition, if any, stays. */
function tooLarge(file: string, statKey: string, bytes: number, limit: number): DirectoryFile {
  return {
    file,
    statKey,
    unchanged: false,
    text: undefined,
    digest: `too-large:${bytes}`,
    problem: {
      code: 'CONFIG_TOO_LARGE',
      message: `file is ${bytes} bytes, over dynamic_services.max_file_bytes (${limit})`,
    },
  };
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
