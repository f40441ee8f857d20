import type { Env } from '../config/env.js';
import { issueCode } from '../config/issues.js';
import { loadConfig } from '../config/loadConfig.js';
import type { LoadedConfig } from '../config/types.js';
import { ConfigError, formatConfigIssue } from '../errors.js';
import { EXIT_FAILURE, EXIT_OK } from './exitCodes.js';
import { reportError } from './reportError.js';

export type OutputFormat = 'text' | 'json';

export interface ValidateOptions {
  readonly configFile: string;
  readonly format: OutputFormat;
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly verbose: boolean;
}

/** The `--format json` result: what a CI job parses. Holds names and messages, never secrets. */
export interface ValidationResult {
  readonly ok: boolean;
  readonly services: readonly string[];
  readonly warnings: readonly { file: string; path: string; message: string; code: string }[];
  readonly errors: readonly { file: string; path: string; message: string; code: string }[];
}

/**
 * `--validate-only`: load, substitute and validate, then report. Text: `OK: ...` on stdout and
 * warnings on stderr, or one error per line on stderr. JSON: one result object on stdout.
 */
export async function runValidate(options: ValidateOptions): Promise<number> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig(options.configFile, options.env);
  } catch (error) {
    if (options.format === 'text' || !(error instanceof ConfigError)) {
      return reportError(error, options);
    }
    const errors = error.issues.map((issue) => ({
      file: issue.file,
      path: issue.path,
      message: issue.message,
      code: issueCode(issue, error.code),
    }));
    printJson(options, { ok: false, services: [], warnings: [], errors });
    return EXIT_FAILURE;
  }
  const names = loaded.config.services.map((service) => service.name);
  if (options.format === 'json') {
    const warnings = loaded.warnings.map(({ file, path, message, code }) => ({
      file,
      path,
      message,
      code,
    }));
    printJson(options, { ok: true, services: names, warnings, errors: [] });
    return EXIT_OK;
  }
  for (const warning of loaded.warnings) {
    options.stderr(`warning: ${formatConfigIssue(warning)}\n`);
  }
  options.stdout(`${summary(loaded, names)}\n`);
  return EXIT_OK;
}

/** `OK: 2 services (app1, app2)`, plus where dynamic services come from when enabled. */
export function summary(loaded: LoadedConfig, names: readonly string[]): string {
  const count = `${names.length} ${names.length === 1 ? 'service' : 'services'}`;
  const list = names.length === 0 ? '' : ` (${names.join(', ')})`;
  const { dynamicServices } = loaded.config;
  const dynamic = dynamicServices.enabled
    ? `; dynamic services from ${dynamicServices.directories.map((d) => d.path).join(', ')}`
    : '';
  return `OK: ${count}${list}${dynamic}`;
}

function printJson(options: ValidateOptions, result: ValidationResult): void {
  options.stdout(`${JSON.stringify(result)}\n`);
}
