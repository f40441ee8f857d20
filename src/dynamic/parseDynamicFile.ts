import {
  type ParsedServiceFile,
  type ParseServiceFileOptions,
  parseServiceFile,
} from '../config/parseServiceFile.js';
import { ConfigError } from '../errors.js';
import type { DirectoryFile } from './readDynamicDirectory.js';

/**
 * The services one read of a dynamic file defines, or why it defines none: unread (unreadable,
 * too large), invalid, or unparsable. Never throws; messages never hold the file's content.
 */
export function parseDynamicFile(
  entry: DirectoryFile,
  options: Omit<ParseServiceFileOptions, 'file'>,
): ParsedServiceFile | { error: ConfigError } {
  if (entry.text === undefined) {
    const problem = entry.problem ?? { code: 'CONFIG_UNREADABLE', message: 'cannot be read' };
    return {
      error: new ConfigError(problem.code, [
        { file: entry.file, path: '', message: problem.message },
      ]),
    };
  }
  try {
    return parseServiceFile(entry.text, { ...options, file: entry.file });
  } catch (error) {
    if (error instanceof ConfigError) return { error };
    return {
      error: new ConfigError('CONFIG_INVALID', [
        { file: entry.file, path: '', message: 'cannot be parsed' },
      ]),
    };
  }
}
