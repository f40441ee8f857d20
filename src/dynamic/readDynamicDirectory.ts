import { createHash } from 'node:crypto';
import { join } from 'node:path';
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
  readonly readError?: string;
}

/** Only the directory itself is read, not its subdirectories, as in the original. */
export const MAX_DEPTH = 1;

/**
 * Lists and reads every service file below `directory` now. A missing directory is an empty
 * list: it is reported by the caller and picked up once it appears. Symbolic links to files
 * are followed (a ConfigMap's files are links into `..data/`).
 */
export async function readDynamicDirectory(
  directory: CompiledDirectory,
  lastStatKey: (file: string) => string | undefined = () => undefined,
  reader: DirectoryReader = nodeDirectoryReader,
): Promise<{ exists: boolean; files: DirectoryFile[] }> {
  const files: DirectoryFile[] = [];
  let exists = true;
  async function walk(relative: string, depth: number): Promise<void> {
    let names: string[];
    try {
      names = await reader.readdir(join(directory.path, relative));
    } catch (error) {
      if (depth === 0) exists = !isMissing(error);
      return;
    }
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const rel = relative === '' ? name : `${relative}/${name}`;
      const full = join(directory.path, rel);
      const info = await reader.stat(full).catch(() => undefined);
      if (info?.isDirectory()) {
        if (depth + 1 < MAX_DEPTH) await walk(rel, depth + 1);
      } else if (info?.isFile() && isWatchedFile(rel, directory)) {
        const statKey = `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
        files.push(
          lastStatKey(full) === statKey
            ? { file: full, statKey, unchanged: true, text: undefined, digest: '' }
            : await readOne(full, statKey, reader),
        );
      }
    }
  }
  await walk('', 0);
  return { exists, files };
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
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    return {
      file,
      statKey,
      unchanged: false,
      text: undefined,
      digest: `unreadable:${code}`,
      readError: code,
    };
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
