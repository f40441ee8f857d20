import type { IssueCollector } from '../issues.js';
import { isRecord } from '../keyPath.js';

export const NO_WAY_IN_MESSAGE =
  'needs auth_token, token_file or jwt (a service needs at least one way in)';

/**
 * A service needs at least one way in: its static `auth_token`, a token credproxy writes
 * (`token_file`), signed JWTs (`jwt`), or several.
 * Checked on every block, valid or not, so the problem is reported next to the others.
 */
export function requireWayIn(
  blocks: Readonly<Record<string, unknown>>,
  pathOf: (name: string) => string,
  issues: IssueCollector,
): void {
  for (const [name, block] of Object.entries(blocks)) {
    if (!isRecord(block)) continue;
    if (block.auth_token !== undefined || block.token_file !== undefined || block.jwt !== undefined)
      continue;
    issues.error(pathOf(name), NO_WAY_IN_MESSAGE);
  }
}
