import type { Env } from './env.js';
import { parseConfig } from './parseConfig.js';
import { readConfigFile } from './readConfigFile.js';
import type { LoadedConfig } from './types.js';

/** Reads and parses the main config file: what the CLI runs at start and on SIGHUP. */
export async function loadConfig(file: string, env: Env): Promise<LoadedConfig> {
  const text = await readConfigFile(file);
  return parseConfig(text, { file, env });
}
