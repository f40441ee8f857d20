/** The config pipeline's public surface: what cli/ and app/ import. */
export type { DuplicateToken } from './checkServiceTokens.js';
export { findDuplicateTokens } from './checkServiceTokens.js';
export type { Env } from './env.js';
export type { FileReader } from './fileReader.js';
export { nodeFileReader } from './fileReader.js';
export type { CodedIssue } from './issues.js';
export { issueCode } from './issues.js';
export { loadConfig } from './loadConfig.js';
export type { ParseConfigOptions } from './parseConfig.js';
export { parseConfig } from './parseConfig.js';
export type { ParsedServiceFile, ParseServiceFileOptions } from './parseServiceFile.js';
export {
  isServiceFile,
  parseServiceFile,
  SERVICE_FILE_EXTENSIONS,
  serviceNameOf,
} from './parseServiceFile.js';
export { readConfigFile } from './readConfigFile.js';
export { getSchemaValidators, readSchemaText } from './schemaValidators.js';
export { MIN_TOKEN_LENGTH, weakTokenReason } from './tokenStrength.js';
export type * from './types.js';
