import type { IssueCollector } from '../issues.js';
import { isRecord, joinKeyPath } from '../keyPath.js';

/**
 * A service needs at least one way in: its static `auth_token`, signed JWTs (`jwt`), or both.
 * Checked on every block, valid or not, so the problem is reported next to the others.
 */
export function requireWayIn(
  blocks: Readonly<Record<string, unknown>>,
  pathOf: (name: string) => string,
  issues: IssueCollector,
): void {
  for (const [name, block] of Object.entries(blocks)) {
    if (!isRecord(block) || block.auth_token !== undefined || block.jwt !== undefined) continue;
    issues.error(
      joinKeyPath(pathOf(name), 'auth_token'),
      'is required unless jwt is set (a service needs at least one way in)',
    );
  }
}
