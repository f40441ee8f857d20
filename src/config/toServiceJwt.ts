import type { JwtIssuerConfig } from './identityTypes.js';
import type { IssueCollector } from './issues.js';
import { isRecord, joinKeyPath } from './keyPath.js';
import type { AssumeRoleParams, RequiredClaim, ServiceJwtConfig } from './types.js';

/** STS accepts at most 50 session tags per AssumeRole (AssumeRole API reference, `Tags`). */
export const MAX_SESSION_TAGS = 50;

/**
 * Normalizes a schema-valid `services.X.jwt` block and checks it against the issuers of the
 * main config: the issuer exists, its claim tags do not clash with the role's own Tags (STS
 * refuses a key twice, case-insensitively) and fit STS's 50, and SourceIdentity comes from one
 * place. A service that takes every token of an issuer is allowed but warned about.
 */
export function toServiceJwt(
  raw: Readonly<Record<string, unknown>>,
  path: string,
  role: AssumeRoleParams | undefined,
  issuers: ReadonlyMap<string, JwtIssuerConfig>,
  issues: IssueCollector,
): ServiceJwtConfig | undefined {
  const name = String(raw.issuer);
  const issuer = issuers.get(name);
  if (issuer === undefined) {
    const known = [...issuers.keys()];
    issues.error(
      joinKeyPath(path, 'issuer'),
      known.length === 0
        ? 'names an issuer, but identity.jwt.issuers defines none'
        : `names no issuer under identity.jwt.issuers (defined: ${known.join(', ')})`,
    );
    return undefined;
  }
  const requireClaims: RequiredClaim[] = Object.entries(
    isRecord(raw.require_claims) ? raw.require_claims : {},
  ).map(([pointer, value]) => ({ pointer, value: value as RequiredClaim['value'] }));
  const own = new Map((role?.tags ?? []).map((tag) => [tag.key.toLowerCase(), tag.key]));
  for (const tag of issuer.sessionTags) {
    const clash = own.get(tag.key.toLowerCase());
    if (clash !== undefined) {
      issues.error(
        joinKeyPath(path, 'issuer'),
        `issuer ${name} maps a claim to session tag ${tag.key}, which assumed_role.Tags already sets (${clash}): keep one`,
      );
    }
  }
  const total = (role?.tags?.length ?? 0) + issuer.sessionTags.length;
  if (total > MAX_SESSION_TAGS) {
    issues.error(
      joinKeyPath(path, 'issuer'),
      `assumed_role.Tags and issuer ${name}'s session_tags make ${total} session tags; STS accepts at most ${MAX_SESSION_TAGS}`,
    );
  }
  if (issuer.sourceIdentity !== undefined && role?.sourceIdentity !== undefined) {
    issues.error(
      joinKeyPath(path, 'issuer'),
      `issuer ${name} takes SourceIdentity from a claim, and assumed_role.SourceIdentity sets it too: keep one`,
    );
  }
  if (issuer.serviceClaim === undefined && requireClaims.length === 0) {
    issues.warn(
      joinKeyPath(path, 'require_claims'),
      `is empty and issuer ${name} has no service_claim: every token of that issuer may act as this service`,
      'JWT_ANY_TOKEN',
    );
  }
  return { issuer: name, requireClaims };
}
