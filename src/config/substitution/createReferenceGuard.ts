import type { Stats } from 'node:fs';
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { describeReadError } from '../fileReader.js';
import type { DynamicFilePolicy } from '../types.js';

/** Checks what one dynamic file's references may read (one guard per parse). */
export interface ReferenceGuard {
  /** Undefined when `name` may be read; otherwise a value-free reason starting with `label`. */
  checkEnv(name: string, label: string): string | undefined;
  /**
   * The real path to read `path` through (reading it, not `path`, keeps a symlink swapped in
   * after the check from escaping), or a value-free reason.
   */
  checkFile(
    path: string,
    label: string,
  ):
    | { readonly ok: true; readonly realPath: string }
    | { readonly ok: false; readonly reason: string };
}

type FileVerdict = ReturnType<ReferenceGuard['checkFile']>;

const NOT_ALLOWED = 'is not allowed in a dynamic service file';

/**
 * The substitution policy of dynamic service files: `${fromFile:}` reads only regular files
 * whose real path (symlinks and `..` resolved) lies inside a secret directory (itself resolved
 * to its real path), never the main config file (compared by device and inode, so a hard link
 * is caught too); `${fromEnv:}` reads only listed variables. Paths are resolved at check time,
 * not at config load, so a secret mount that appears or swaps later counts as it is now.
 */
export function createReferenceGuard(policy: DynamicFilePolicy): ReferenceGuard {
  const allowedEnv = new Set(policy.allowedEnv);
  const verdicts = new Map<string, FileVerdict>();
  let realDirectories: readonly string[] | undefined;
  let mainConfig: Stats | undefined | null;

  const secretDirectories = (): readonly string[] => {
    realDirectories ??= policy.secretDirectories.flatMap((dir) => {
      try {
        return [realpathSync(dir)];
      } catch {
        return []; // Not there (yet): nothing can be inside it.
      }
    });
    return realDirectories;
  };

  const isMainConfig = (stats: Stats): boolean => {
    if (mainConfig === undefined) {
      mainConfig = null;
      if (policy.mainConfigFile !== undefined) {
        try {
          mainConfig = statSync(policy.mainConfigFile);
        } catch {
          // Gone since it was loaded: then no file can be it.
        }
      }
    }
    return mainConfig !== null && mainConfig.dev === stats.dev && mainConfig.ino === stats.ino;
  };

  const decide = (path: string, label: string): FileVerdict => {
    const outside: FileVerdict = {
      ok: false,
      reason: `${label} ${NOT_ALLOWED}: it may read only files under dynamic_services.secret_directories`,
    };
    let realPath: string;
    try {
      realPath = realpathSync(path);
    } catch (error) {
      // Say "does not exist" only where the file may be read, so a dynamic file cannot probe
      // which files exist elsewhere.
      const lexical = resolve(path);
      const inside = [...policy.secretDirectories, ...secretDirectories()].some((dir) =>
        isInside(lexical, dir),
      );
      return inside ? { ok: false, reason: describeReadError(path, error) } : outside;
    }
    if (!secretDirectories().some((dir) => isInside(realPath, dir))) return outside;
    let stats: Stats;
    try {
      stats = statSync(realPath);
    } catch (error) {
      return { ok: false, reason: describeReadError(path, error) };
    }
    if (isMainConfig(stats)) {
      return { ok: false, reason: `${label} ${NOT_ALLOWED}: it is the main config file` };
    }
    if (!stats.isFile()) {
      return { ok: false, reason: `${label} ${NOT_ALLOWED}: it may read only regular files` };
    }
    return { ok: true, realPath };
  };

  return {
    checkEnv(name, label) {
      if (allowedEnv.has(name)) return undefined;
      return `${label} ${NOT_ALLOWED}: list the variable in dynamic_services.allowed_env`;
    },
    checkFile(path, label) {
      const key = `${path}\u0000${label}`;
      let verdict = verdicts.get(key);
      if (verdict === undefined) {
        verdict = decide(path, label);
        verdicts.set(key, verdict);
      }
      return verdict;
    },
  };
}

/** Whether `path` lies strictly inside `dir` (both absolute and normalized). */
function isInside(path: string, dir: string): boolean {
  const rest = relative(dir, path);
  return rest !== '' && rest !== '..' && !rest.startsWith(`..${sep}`) && !isAbsolute(rest);
}
