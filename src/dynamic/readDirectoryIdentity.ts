import { stat } from 'node:fs/promises';
import { errorCode } from '../config/fileReader.js';

/**
 * Device, inode, birth time, mode and owner of the directory at `path`, or `undefined` when
 * there is none. A directory deleted and created again often gets the same inode back, but
 * never the same birth time where the file system records one; a new mode or owner may make
 * it readable again. Throws when it cannot be told (a parent without x permission).
 */
export async function readDirectoryIdentity(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return undefined;
    return `${info.dev}:${info.ino}:${info.birthtimeMs}:${info.mode}:${info.uid}:${info.gid}`;
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
