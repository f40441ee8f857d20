import { dirname, resolve } from 'node:path';
import type { IssueCollector } from './issues.js';
import { joinKeyPath } from './keyPath.js';
import type { TokenFileConfig } from './types.js';

export interface TokenFileContext {
  readonly issues: IssueCollector;
  /** Resolves a relative path against the directory of the file that defines the service. */
  readonly resolvePath: (raw: string) => string;
  /**
   * For a dynamic service: the absolute directories its token file may be written directly
   * into (`dynamic_services.token_directories`). Undefined for a static service: not limited.
   */
  readonly tokenDirectories?: readonly string[];
}

/** Bits of a file mode that give others access. */
const OTHERS_BITS = 0o007;

/**
 * Normalizes one schema-valid `token_file` block at key path `path` and checks what the schema
 * cannot: the grace period fits in a rotation, the mode keeps others out, and a dynamic service
 * writes only where the main config allows. Returns undefined when a rule failed.
 */
export function toTokenFile(
  raw: Readonly<Record<string, unknown>>,
  path: string,
  context: TokenFileContext,
): TokenFileConfig | undefined {
  const { issues } = context;
  const before = issues.issues.length;
  // resolve() also normalizes an absolute path: `/tokens/../etc/x` is checked as `/etc/x`.
  const file = resolve(context.resolvePath(String(raw.path)));
  const rotateSeconds = Number(raw.rotate_seconds);
  const graceSeconds = Number(raw.grace_seconds);
  const mode = Number.parseInt(String(raw.mode), 8);
  if (graceSeconds > rotateSeconds) {
    // Only the current and the previous token are kept: a longer grace would be cut short.
    issues.error(
      joinKeyPath(path, 'grace_seconds'),
      `must be at most rotate_seconds (${rotateSeconds})`,
    );
  }
  if ((mode & OTHERS_BITS) !== 0) {
    issues.error(
      joinKeyPath(path, 'mode'),
      'must not give others any access to the token: use 0600, or 0640 for a shared group',
    );
  }
  const allowed = context.tokenDirectories;
  if (allowed !== undefined && !allowed.includes(dirname(file))) {
    issues.error(
      joinKeyPath(path, 'path'),
      allowed.length === 0
        ? 'cannot be written for a dynamic service: dynamic_services.token_directories is empty'
        : 'must lie directly inside one of dynamic_services.token_directories',
    );
  }
  if (issues.issues.length > before) return undefined;
  return { path: file, rotateSeconds, graceSeconds, mode };
}
