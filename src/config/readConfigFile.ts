import { readFile } from 'node:fs/promises';
import { errorCode } from './fileReader.js';
import { fileError } from './issues.js';

/**
 * Reads the config file's text: I/O only. A missing or unreadable file becomes a ConfigError
 * (CONFIG_NOT_FOUND, CONFIG_UNREADABLE) with a message that says what to do.
 */
export async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw fileError(
        'CONFIG_NOT_FOUND',
        file,
        'configuration file not found (set --config or CREDPROXY_CONFIG_FILE)',
      );
    }
    const reason =
      code === 'EISDIR'
        ? 'is a directory, not a file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : (code ?? 'unknown error');
    throw fileError('CONFIG_UNREADABLE', file, `cannot read the configuration file: ${reason}`);
  }
}
