import type { IdentityConfig, JwtIssuerConfig, JwtKeySource } from './identityTypes.js';
import type { IssueCollector } from './issues.js';
import { isRecord, joinKeyPath } from './keyPath.js';

/** Asymmetric algorithms accepted when an issuer's config names none (issue 14). */
export const DEFAULT_KEY_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'] as const;
/** With `shared_secret`, and only then. */
export const DEFAULT_SECRET_ALGORITHMS = ['HS256'] as const;

const KEY_SOURCES = ['jwks_file', 'jwks_url', 'public_key_file', 'shared_secret'] as const;

export interface IdentityContext {
  readonly issues: IssueCollector;
  readonly resolvePath: (raw: string) => string;
  readonly isInvalid: (path: string) => boolean;
}

/**
 * Builds `identity` from a schema-valid block (defaults applied) and checks what the schema
 * cannot: exactly one key source per issuer, an https JWKS URL, algorithms that fit the key
 * (HMAC only with a shared secret, never with a public key), tag keys unique as STS compares
 * them. A shared secret is a warning: whoever can verify can also mint.
 */
export function toIdentityConfig(
  block: Readonly<Record<string, unknown>>,
  context: IdentityContext,
): IdentityConfig {
  const jwt = block.jwt;
  if (!isRecord(jwt) || context.isInvalid('identity.jwt')) return { jwt: undefined };
  const issuers: JwtIssuerConfig[] = [];
  const raw = isRecord(jwt.issuers) ? jwt.issuers : {};
  for (const [name, entry] of Object.entries(raw)) {
    const path = `identity.jwt.issuers.${name}`;
    if (!isRecord(entry) || context.isInvalid(path)) continue;
    const issuer = toIssuer(name, entry, path, context);
    const first = issuers.find((other) => other.issuer === issuer?.issuer);
    if (first !== undefined) {
      // A token is matched to its issuer by `iss`: two entries for one `iss` would be ambiguous.
      context.issues.error(
        joinKeyPath(path, 'issuer'),
        `is also the issuer of ${first.name}: tokens are matched to an issuer by iss, so each needs its own`,
      );
    } else if (issuer !== undefined) issuers.push(issuer);
  }
  return { jwt: { clockSkewSeconds: Number(jwt.clock_skew_seconds), issuers } };
}

function toIssuer(
  name: string,
  raw: Readonly<Record<string, unknown>>,
  path: string,
  context: IdentityContext,
): JwtIssuerConfig | undefined {
  const { issues } = context;
  const before = issues.issues.length;
  const keys = toKeySource(raw, path, context);
  const secret = keys?.kind === 'shared_secret';
  const algorithms = Array.isArray(raw.algorithms)
    ? raw.algorithms.map(String)
    : [...(secret ? DEFAULT_SECRET_ALGORITHMS : DEFAULT_KEY_ALGORITHMS)];
  const hmac = algorithms.filter((alg) => alg.startsWith('HS'));
  if (keys !== undefined && secret && hmac.length !== algorithms.length) {
    issues.error(
      joinKeyPath(path, 'algorithms'),
      'may list only HS256, HS384 or HS512 with shared_secret (a shared secret cannot verify a signature made with a private key)',
    );
  }
  if (keys !== undefined && !secret && hmac.length > 0) {
    issues.error(
      joinKeyPath(path, 'algorithms'),
      `lists ${hmac.join(', ')}, which needs shared_secret: a public key is never used as an HMAC secret`,
    );
  }
  if (secret) {
    issues.warn(
      joinKeyPath(path, 'shared_secret'),
      'accepts HMAC-signed tokens: anyone who holds the secret can mint tokens for every service of this issuer; prefer jwks_file, jwks_url or public_key_file',
      'JWT_SHARED_SECRET',
    );
  }
  const sessionTags = Object.entries(isRecord(raw.session_tags) ? raw.session_tags : {}).map(
    ([key, pointer]) => ({ key, pointer: String(pointer) }),
  );
  checkUniqueTagKeys(
    sessionTags.map((tag) => tag.key),
    joinKeyPath(path, 'session_tags'),
    issues,
  );
  if (keys === undefined || issues.issues.length > before) return undefined;
  return {
    name,
    issuer: String(raw.issuer),
    audiences: (raw.audiences as unknown[]).map(String),
    keys,
    ...(typeof raw.service_claim === 'string' ? { serviceClaim: raw.service_claim } : {}),
    sessionTags,
    transitive: raw.transitive === true,
    ...(typeof raw.source_identity === 'string' ? { sourceIdentity: raw.source_identity } : {}),
    maxLifetimeSeconds: Number(raw.max_lifetime_seconds),
    algorithms,
  };
}

function toKeySource(
  raw: Readonly<Record<string, unknown>>,
  path: string,
  context: IdentityContext,
): JwtKeySource | undefined {
  const given = KEY_SOURCES.filter((key) => typeof raw[key] === 'string');
  if (given.length !== 1) {
    context.issues.error(
      path,
      given.length === 0
        ? 'needs one key source: jwks_file, jwks_url, public_key_file or shared_secret'
        : `has ${given.join(' and ')}: give exactly one key source`,
    );
    return undefined;
  }
  const value = String(raw[given[0] as string]);
  switch (given[0]) {
    case 'jwks_file':
      return { kind: 'jwks_file', path: context.resolvePath(value) };
    case 'public_key_file':
      return { kind: 'public_key_file', path: context.resolvePath(value) };
    case 'shared_secret':
      return { kind: 'shared_secret', secret: value };
    default: {
      const problem = jwksUrlProblem(value);
      if (problem !== undefined) {
        context.issues.error(joinKeyPath(path, 'jwks_url'), problem);
        return undefined;
      }
      return { kind: 'jwks_url', url: value };
    }
  }
}

/**
 * Keys fetched over plain http could be swapped by anyone on the path, so a JWKS URL is https.
 * A loopback address never leaves the host: http is allowed there, for tests and an issuer
 * running beside credproxy (documented in docs/identity.md).
 */
export function jwksUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackLiteral(url.hostname)) return undefined;
  return 'must be an https URL (plain http only for a loopback address such as 127.0.0.1)';
}

function isLoopbackLiteral(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '[::1]';
}

/** STS compares tag keys case-insensitively: `Tenant` and `tenant` are one key. */
export function checkUniqueTagKeys(
  keys: readonly string[],
  path: string,
  issues: IssueCollector,
): void {
  const seen = new Map<string, string>();
  for (const key of keys) {
    const first = seen.get(key.toLowerCase());
    if (first === undefined) seen.set(key.toLowerCase(), key);
    else
      issues.error(
        joinKeyPath(path, key),
        `repeats the tag key ${first} (session tag keys are case-insensitive)`,
      );
  }
}
