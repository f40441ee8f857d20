import type { ParseConfigOptions } from '../../src/config/parseConfig.js';
import { parseConfig } from '../../src/config/parseConfig.js';
import type { LoadedConfig } from '../../src/config/types.js';
import type { ConfigIssue } from '../../src/errors.js';
import { ConfigError, formatConfigIssue } from '../../src/errors.js';

export const FILE = '/etc/credproxy/config.yaml';
export const TOKEN = 'k7Qw9Zr2Lp5Xv8Nc3Bt6Hy1Jm4Df0GsT5uW2eR8';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/App';

/** A valid config with one service `app1`; `patch` replaces parts of it. */
export function validConfig(patch: {
  service?: Record<string, unknown>;
  role?: Record<string, unknown>;
  root?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    aws_defaults: { region: 'us-east-1' },
    services: {
      app1: {
        auth_token: TOKEN,
        assumed_role: { RoleArn: ROLE_ARN, ...patch.role },
        ...patch.service,
      },
    },
    ...patch.root,
  };
}

/** JSON is YAML: documents written as objects keep tests short and exact. */
export function parse(document: unknown, options: Partial<ParseConfigOptions> = {}): LoadedConfig {
  return parseConfig(JSON.stringify(document), { file: FILE, env: {}, ...options });
}

/** The ConfigError's issues, or a failure if parsing succeeded. */
export function issuesOf(text: string, options: Partial<ParseConfigOptions> = {}): ConfigIssue[] {
  try {
    parseConfig(text, { file: FILE, env: {}, ...options });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigError, but the config parsed');
}

/** The formatted lines (`<file>: <path>: <message>`) of a document's issues. */
export function linesOf(document: unknown, options: Partial<ParseConfigOptions> = {}): string[] {
  return issuesOf(JSON.stringify(document), options).map(formatConfigIssue);
}

export function errorOf(text: string, options: Partial<ParseConfigOptions> = {}): ConfigError {
  try {
    parseConfig(text, { file: FILE, env: {}, ...options });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the config parsed');
}

/** Parses YAML text as written (for tests about YAML itself). */
export function parseText(text: string, options: Partial<ParseConfigOptions> = {}): LoadedConfig {
  return parseConfig(text, { file: FILE, env: {}, ...options });
}
