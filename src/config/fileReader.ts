import { readFileSync, statSync } from 'node:fs';

/**
 * The file access substitution needs, as a seam: tests and the dynamic-file watcher can pass
 * their own. Synchronous on purpose: a config holds few distinct files, each read once per
 * parse (see `createCachedReader`), and a synchronous parse keeps `parseConfig` simple.
 */
export interface FileReader {
  /** The file's text (UTF-8). Throws a Node error with `code` (ENOENT, EACCES, EISDIR, ...). */
  readText(path: string): string;
  /** Permission bits (`mode & 0o777`), following symlinks as Kubernetes secret mounts need. */
  modeOf(path: string): number;
}

export const nodeFileReader: FileReader = {
  readText: (path) => readFileSync(path, 'utf8'),
  modeOf: (path) => statSync(path).mode & 0o777,
};

/** Wraps a reader so each path is read at most once per parse (10,000 services may share one). */
export function createCachedReader(reader: FileReader): FileReader {
  const texts = new Map<string, { text?: string; error?: unknown }>();
  return {
    readText(path) {
      let entry = texts.get(path);
      if (entry === undefined) {
        try {
          entry = { text: reader.readText(path) };
        } catch (error) {
          entry = { error };
        }
        texts.set(path, entry);
      }
      if (entry.text === undefined) throw entry.error;
      return entry.text;
    },
    modeOf: (path) => reader.modeOf(path),
  };
}

/** A short, value-free reason for a failed read, from the Node error code. */
export function describeReadError(path: string, error: unknown): string {
  const code = errorCode(error);
  switch (code) {
    case 'ENOENT':
      return `file ${path} does not exist`;
    case 'EACCES':
    case 'EPERM':
      return `file ${path} cannot be read (permission denied)`;
    case 'EISDIR':
      return `${path} is a directory, not a file`;
    default:
      return `file ${path} cannot be read (${code ?? 'unknown error'})`;
  }
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error as { code: unknown };
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
