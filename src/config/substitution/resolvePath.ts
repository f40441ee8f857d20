import { isAbsolute, join, resolve } from 'node:path';

/**
 * Paths written in a config file (fromFile, iam_profile.config_file, dynamic directories)
 * resolve against the config file's directory, not the process's working directory, so a
 * config means the same wherever credproxy starts. A leading `~/` means the home directory.
 */
export function resolveConfigPath(raw: string, baseDir: string, home: string | undefined): string {
  if ((raw === '~' || raw.startsWith('~/')) && home !== undefined && home !== '') {
    return join(home, raw.slice(1));
  }
  return isAbsolute(raw) ? raw : resolve(baseDir, raw);
}
