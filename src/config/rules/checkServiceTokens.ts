import type { IssueCollector } from '../issues.js';
import { isRecord, joinKeyPath } from '../keyPath.js';
import type { ServiceConfig } from '../types.js';
import { createTokenOwners } from './tokenOwners.js';
import { weakTokenReason } from './tokenStrength.js';

/** What token checks need of a service: its name and token, even if the rest is invalid. */
export type TokenHolder = Pick<ServiceConfig, 'name' | 'authToken'>;

/** A service whose token another service already uses. Names only, never the token. */
interface DuplicateToken {
  readonly service: string;
  readonly sameAs: string;
}

/** Services sharing a token, in order: each later one is paired with the first holder. */
function findDuplicateTokens(services: readonly TokenHolder[]): DuplicateToken[] {
  const owners = createTokenOwners<string>();
  const duplicates: DuplicateToken[] = [];
  for (const service of services) {
    const holder = owners.claim(service.authToken, service.name);
    if (holder !== service.name) duplicates.push({ service: service.name, sameAs: holder });
  }
  return duplicates;
}

/**
 * Duplicate tokens are errors (the original let the last service silently win); weak tokens
 * are warnings. `pathOf` gives the key path of a service's block, e.g. `services.app1`.
 */
export function checkServiceTokens(
  services: readonly TokenHolder[],
  pathOf: (name: string) => string,
  issues: IssueCollector,
): void {
  for (const { service, sameAs } of findDuplicateTokens(services)) {
    issues.error(
      joinKeyPath(pathOf(service), 'auth_token'),
      `is also the auth_token of service ${sameAs}: each service needs its own token`,
    );
  }
  for (const service of services) {
    if (service.authToken === undefined) continue;
    const reason = weakTokenReason(service.authToken);
    if (reason !== undefined) issues.warn(joinKeyPath(pathOf(service.name), 'auth_token'), reason);
  }
}

/**
 * The token of every service block whose auth_token passed the schema, whether or not the
 * rest of the block did: a duplicate is reported even next to other problems.
 */
export function tokenHoldersOf(
  blocks: Readonly<Record<string, unknown>>,
  pathOf: (name: string) => string,
  isInvalid: (path: string) => boolean,
): TokenHolder[] {
  const holders: TokenHolder[] = [];
  for (const [name, block] of Object.entries(blocks)) {
    const token = isRecord(block) ? block.auth_token : undefined;
    if (typeof token !== 'string' || isInvalid(joinKeyPath(pathOf(name), 'auth_token'))) continue;
    holders.push({ name, authToken: token });
  }
  return holders;
}
