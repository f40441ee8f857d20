import type { DynamicDirectory } from '../config/types.js';

/**
 * Files a watched directory never loads, whatever the patterns say: hidden files and folders
 * (including a Kubernetes ConfigMap's `..data` and `..2026_…` entries), editor swap, backup
 * and temporary files.
 */
const IGNORED_BY_DEFAULT = [
  /(^|\/)\./, // hidden file or folder
  /~$/, // emacs, gedit backups
  /\.(swp|swo|swx|bak|orig|tmp|temp|dpkg-new|dpkg-old|rpmnew|rpmsave)$/i,
  /(^|\/)#[^/]*#$/, // emacs autosave
  /(^|\/)4913$/, // vim's write-permission probe
];
const EXTENSIONS = /\.(ya?ml|json)$/i;

/** A directory's patterns, compiled once. */
export interface CompiledDirectory {
  readonly path: string;
  readonly include: readonly RegExp[];
  readonly exclude: readonly RegExp[];
}

/**
 * Patterns are anchored at the start of the relative path, as Python's re.match anchored them
 * in the original, so `^\..*` and `dev-.*\.yaml$` mean what users expect.
 */
export function compileDirectory(directory: DynamicDirectory): CompiledDirectory {
  const anchor = (pattern: string) => new RegExp(`^(?:${pattern})`);
  return {
    path: directory.path,
    include: directory.includePatterns.map(anchor),
    exclude: directory.excludePatterns.map(anchor),
  };
}

/** Whether `relativePath` (with `/` separators) is a service file of `directory`. */
export function isWatchedFile(relativePath: string, directory: CompiledDirectory): boolean {
  if (!EXTENSIONS.test(relativePath)) return false;
  if (IGNORED_BY_DEFAULT.some((pattern) => pattern.test(relativePath))) return false;
  if (directory.exclude.some((pattern) => pattern.test(relativePath))) return false;
  return directory.include.length === 0 || directory.include.some((p) => p.test(relativePath));
}
