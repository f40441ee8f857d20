import { resolve } from 'node:path';
import type { IssueCollector } from './issues.js';
import { isRecord } from './keyPath.js';
import type { DynamicDirectory, DynamicServicesConfig } from './types.js';

/**
 * Normalizes `dynamic_services`: directories, watched and secret, become absolute (relative to
 * the config file), and every include/exclude pattern must compile as a JavaScript regular
 * expression (the original logged and skipped a bad one, so a typo silently widened the filter).
 */
export function toDynamicServices(
  block: Readonly<Record<string, unknown>>,
  context: { readonly issues: IssueCollector; readonly resolvePath: (raw: string) => string },
): DynamicServicesConfig {
  const rawDirectories = Array.isArray(block.directories) ? block.directories : [];
  const directories: DynamicDirectory[] = rawDirectories.filter(isRecord).map((entry, index) => {
    const at = `dynamic_services.directories[${index}]`;
    return {
      path: context.resolvePath(String(entry.path)),
      includePatterns: checkPatterns(
        entry.include_patterns,
        `${at}.include_patterns`,
        context.issues,
      ),
      excludePatterns: checkPatterns(
        entry.exclude_patterns,
        `${at}.exclude_patterns`,
        context.issues,
      ),
    };
  });
  return {
    enabled: block.enabled === true,
    directories,
    reloadIntervalSeconds: Number(block.reload_interval),
    secretDirectories: stringsOf(block.secret_directories).map((dir) => context.resolvePath(dir)),
    allowedEnv: stringsOf(block.allowed_env),
    maxFileBytes: Number(block.max_file_bytes),
    // resolve() normalizes (no trailing slash), as a token file's directory is compared exactly.
    tokenDirectories: stringsOf(block.token_directories).map((dir) =>
      resolve(context.resolvePath(dir)),
    ),
  };
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
}

function checkPatterns(value: unknown, path: string, issues: IssueCollector): string[] {
  const patterns = stringsOf(value);
  patterns.forEach((pattern, index) => {
    try {
      new RegExp(pattern);
    } catch {
      issues.error(
        `${path}[${index}]`,
        'is not a valid JavaScript regular expression (Python-only syntax such as (?P<name>...) is not supported)',
      );
    }
  });
  return patterns;
}
