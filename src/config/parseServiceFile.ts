import { basename, dirname, extname, resolve } from 'node:path';
import { deepFreeze } from './deepFreeze.js';
import type { RouteConfig } from './doorTypes.js';
import type { Env } from './env.js';
import type { FileReader } from './fileReader.js';
import { createCachedReader, nodeFileReader } from './fileReader.js';
import type { JwtIssuerConfig } from './identityTypes.js';
import { fileError, IssueCollector } from './issues.js';
import { isRecord } from './keyPath.js';
import { parseDocumentText } from './parseDocumentText.js';
import { checkServiceTokens, tokenHoldersOf } from './rules/checkServiceTokens.js';
import { checkTokenFilePaths } from './rules/checkTokenFilePaths.js';
import { requireWayIn } from './rules/requireWayIn.js';
import { getSchemaValidators } from './schema/schemaValidators.js';
import { validateDocument } from './schema/validateDocument.js';
import { createReferenceGuard } from './substitution/createReferenceGuard.js';
import { resolveConfigPath } from './substitution/resolvePath.js';
import { substituteDocument } from './substitution/substitute.js';
import { toServiceConfig } from './toServiceConfig.js';
import type { AwsDefaults, ConfigWarning, DynamicFilePolicy, ServiceConfig } from './types.js';

export interface ParseServiceFileOptions {
  /** Path of the dynamic file: names the service in the flat form and prefixes messages. */
  readonly file: string;
  readonly env: Env;
  /** The main config's aws_defaults (`Config.awsDefaults`). */
  readonly awsDefaults: AwsDefaults;
  /** The main config's JWT issuers by name (`toIssuerMap(config.identity)`); default none. */
  readonly jwtIssuers?: ReadonlyMap<string, JwtIssuerConfig>;
  readonly files?: FileReader;
  /**
   * What the file's `${fromFile:}` and `${fromEnv:}` may read (see `createReferenceGuard`).
   * Default: nothing, as a dynamic file is less trusted than the main config.
   */
  readonly policy?: DynamicFilePolicy;
  /** The main config's egress routes: what a service's `routes` may name. Default: none. */
  readonly routes?: readonly RouteConfig[];
}

const READS_NOTHING: DynamicFilePolicy = { secretDirectories: [], allowedEnv: [] };

export interface ParsedServiceFile {
  readonly services: readonly ServiceConfig[];
  readonly warnings: readonly ConfigWarning[];
}

/**
 * Parses one dynamic service file with the same substitution, schema and rules as the main
 * config. Two forms: `services: {name: {...}, ...}` (every service is used, not only the first
 * as in the original), or one service's keys at the top level, named after the file
 * (`app1.yaml` → `app1`). Throws a ConfigError listing every problem.
 */
export function parseServiceFile(
  text: string,
  options: ParseServiceFileOptions,
): ParsedServiceFile {
  const { file, env } = options;
  const document = parseDocumentText(text, file, 'service');
  const issues = new IssueCollector(file);
  const baseDir = dirname(resolve(file));
  const files = createCachedReader(options.files ?? nodeFileReader);
  const guard = createReferenceGuard(options.policy ?? READS_NOTHING);
  const substituted = substituteDocument(document, { env, files, baseDir, guard }, issues);
  const value = substituted.value as Record<string, unknown>;
  const validators = getSchemaValidators();
  const mapForm = Object.hasOwn(value, 'services');
  const blocks = mapForm ? mapBlocks(value, issues) : { [serviceNameOf(file)]: value };
  const prefix = mapForm ? 'services' : '';
  const target = mapForm ? value.services : value;
  const validator = mapForm ? validators.services : validators.service;
  const isInvalid = validateDocument(
    validator,
    target,
    prefix,
    substituted.substitutedPaths,
    issues,
  );
  const pathOf = (name: string): string => (mapForm ? `services.${name}` : '');
  const context = {
    awsDefaults: options.awsDefaults.raw,
    origin: { kind: 'dynamic', file },
    issues,
    resolvePath: (raw: string) => resolveConfigPath(raw, baseDir, env.HOME),
    // A dynamic file is less trusted: its token file goes only where the main config allows.
    tokenDirectories: options.policy?.tokenDirectories ?? [],
    routes: new Map((options.routes ?? []).map((route) => [route.name, route])),
    jwtIssuers: options.jwtIssuers ?? new Map<string, JwtIssuerConfig>(),
  } as const;
  const services: ServiceConfig[] = [];
  for (const [name, block] of Object.entries(blocks)) {
    if (!isRecord(block) || isInvalid(pathOf(name))) continue;
    const service = toServiceConfig(name, block, pathOf(name), context);
    if (service !== undefined) services.push(service);
  }
  checkServiceTokens(tokenHoldersOf(blocks, pathOf, isInvalid), pathOf, issues);
  checkTokenFilePaths(services, pathOf, issues);
  requireWayIn(blocks, pathOf, issues);
  if (issues.hasErrors()) throw issues.toError();
  return deepFreeze({ services, warnings: issues.warnings });
}

/** Top-level keys other than `services` (and `x-*`) would be silently ignored: say so. */
function mapBlocks(
  document: Record<string, unknown>,
  issues: IssueCollector,
): Record<string, unknown> {
  for (const key of Object.keys(document)) {
    if (key !== 'services' && !key.startsWith('x-')) {
      issues.error(
        key,
        'is not allowed next to services in a dynamic service file (aws_defaults and the rest come from the main config)',
      );
    }
  }
  return isRecord(document.services) ? document.services : {};
}

/** `dir/app1.yaml` → `app1`; the name must be a valid service name. */
function serviceNameOf(file: string): string {
  const extension = extname(file);
  const name = basename(file, extension);
  if (!/^[a-zA-Z0-9_-]+$/.test(name)) {
    throw fileError(
      'CONFIG_INVALID',
      file,
      'the file name must be a valid service name (letters, digits, _ and -) followed by .yaml, .yml or .json',
    );
  }
  return name;
}
