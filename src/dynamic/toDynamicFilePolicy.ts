import { resolve } from 'node:path';
import type { Config, DynamicFilePolicy } from '../config/types.js';

/** The substitution policy of dynamic service files, from the main config that watches them. */
export function toDynamicFilePolicy(config: Config): DynamicFilePolicy {
  return {
    secretDirectories: config.dynamicServices.secretDirectories,
    allowedEnv: config.dynamicServices.allowedEnv,
    // Resolved as loadConfig read it: against the working directory.
    mainConfigFile: resolve(config.file),
    tokenDirectories: config.dynamicServices.tokenDirectories,
  };
}
