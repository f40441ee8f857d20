import { dirname, resolve } from 'node:path';
import { deepFreeze } from './deepFreeze.js';
import type { Env } from './env.js';
import type { FileReader } from './fileReader.js';
import { createCachedReader, nodeFileReader } from './fileReader.js';
import { IssueCollector } from './issues.js';
import { parseDocumentText } from './parseDocumentText.js';
import { readPortSources, toPortNumbers } from './ports.js';
import { getSchemaValidators } from './schema/schemaValidators.js';
import { validateDocument } from './schema/validateDocument.js';
import { resolveConfigPath } from './substitution/resolvePath.js';
import { substituteDocument } from './substitution/substitute.js';
import { toConfig } from './toConfig.js';
import type { LoadedConfig } from './types.js';

export interface ParseConfigOptions {
  /** Path of the config file, as given: it prefixes every message and anchors relative paths. */
  readonly file: string;
  /** The environment for `${fromEnv:...}` and CREDPROXY_LOG_HEALTH_CHECKS. */
  readonly env: Env;
  /** How `${fromFile:...}` reads files; the real file system by default. */
  readonly files?: FileReader;
}

/**
 * The config pipeline after the read: YAML → substitution → ports to numbers → schema (defaults applied) →
 * rules → frozen Config. Throws a ConfigError listing every problem found, one per issue;
 * no message holds a secret or a substituted value.
 */
export function parseConfig(text: string, options: ParseConfigOptions): LoadedConfig {
  const { file, env } = options;
  const document = parseDocumentText(text, file, 'config');
  const issues = new IssueCollector(file);
  const baseDir = dirname(resolve(file));
  const files = createCachedReader(options.files ?? nodeFileReader);
  const portSources = readPortSources(document);
  const substituted = substituteDocument(document, { env, files, baseDir }, issues);
  toPortNumbers(substituted.value, substituted.substitutedPaths);
  const isInvalid = validateDocument(
    getSchemaValidators().config,
    substituted.value,
    '',
    substituted.substitutedPaths,
    issues,
  );
  const config = toConfig(substituted.value as Record<string, unknown>, {
    file,
    env,
    issues,
    isInvalid,
    portSources,
    files,
    resolvePath: (raw) => resolveConfigPath(raw, baseDir, env.HOME),
  });
  if (issues.hasErrors()) throw issues.toError();
  return deepFreeze({ config, warnings: issues.warnings });
}
