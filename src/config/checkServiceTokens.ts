import type { IssueCollector } from './issues.js';
import { joinKeyPath } from './keyPath.js';
import { weakTokenReason } from './tokenStrength.js';
import type { ServiceConfig } from './types.js';

/** A service whose token another service already uses. Names only, never the token. */
export interface DuplicateToken {
  readonly service: string;
  readonly sameAs: string;
}

/**
 * Services sharing a token, in order: each later one is paired with the first holder.
 * One pass over a map, so 10,000 services cost 10,000 lookups. The watcher of dynamic files
 * uses this across files too.
 */
export function findDuplicateTokens(services: readonly ServiceConfig[]): DuplicateToken[] {
  const holders = new Map<string, string>();
  const duplicates: DuplicateToken[] = [];
  for (const service of services) {
    const first = holders.get(service.authToken);
    if (first === undefined) holders.set(service.authToken, service.name);
    else duplicates.push({ service: service.name, sameAs: first });
  }
  return duplicates;
}

/**
 * Duplicate tokens are errors (the original let the last service silently win); weak tokens
 * are warnings. `pathOf` gives the key path of a service's block, e.g. `services.app1`.
 */
export function checkServiceTokens(
  services: readonly ServiceConfig[],
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
    const reason = weakTokenReason(service.authToken);
    if (reason !== undefined) issues.warn(joinKeyPath(pathOf(service.name), 'auth_token'), reason);
  }
}
