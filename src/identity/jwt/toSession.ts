import type { JwtIssuerConfig } from '../../config/identityTypes.js';
import type { CredentialSession } from '../../credentials/ports.js';
import { toSessionKey } from '../../credentials/toSessionKey.js';
import { readJsonPointer } from './readJsonPointer.js';

/** STS's rule for a session tag value: up to 256 letters, digits, spaces and _.:/=+-@. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
/** STS's rule for SourceIdentity: 2 to 64 of letters, digits and +=,.@_- (not `aws:`...). */
const SOURCE_IDENTITY = /^[A-Za-z0-9+=,.@_-]{2,64}$/;

export type SessionOutcome =
  | { readonly ok: true; readonly session: CredentialSession | undefined }
  /** Why the claims cannot become a session; names the tag key and the claim, never a value. */
  | { readonly ok: false; readonly message: string };

/**
 * The STS session a verified token's claims ask for: each mapped claim becomes a tag (all of
 * them transitive when the issuer says so) and the mapped claim becomes SourceIdentity. A
 * missing claim, or a value STS would refuse, is a reason to refuse the request (403), not to
 * call STS and fail there. Undefined when the issuer maps nothing: the service's own set.
 */
export function toSession(
  claims: Readonly<Record<string, unknown>>,
  issuer: JwtIssuerConfig,
): SessionOutcome {
  if (issuer.sessionTags.length === 0 && issuer.sourceIdentity === undefined) {
    return { ok: true, session: undefined };
  }
  const tags: { key: string; value: string }[] = [];
  for (const { key, pointer } of issuer.sessionTags) {
    const value = toScalarText(readJsonPointer(claims, pointer));
    if (value === undefined) {
      return { ok: false, message: `session tag ${key}: claim ${pointer} is missing` };
    }
    if (value === null || !TAG_VALUE.test(value)) {
      return {
        ok: false,
        message: `session tag ${key}: claim ${pointer} is not a valid session tag value (a string of at most 256 letters, digits, spaces and _.:/=+-@)`,
      };
    }
    tags.push({ key, value });
  }
  let sourceIdentity: string | undefined;
  if (issuer.sourceIdentity !== undefined) {
    const pointer = issuer.sourceIdentity;
    const value = toScalarText(readJsonPointer(claims, pointer));
    if (value === undefined) {
      return { ok: false, message: `source identity: claim ${pointer} is missing` };
    }
    if (value === null || !SOURCE_IDENTITY.test(value) || value.toLowerCase().startsWith('aws:')) {
      return {
        ok: false,
        message: `source identity: claim ${pointer} is not a valid SourceIdentity (2 to 64 letters, digits and +=,.@_-)`,
      };
    }
    sourceIdentity = value;
  }
  const fields = {
    tags,
    transitiveTagKeys: issuer.transitive ? tags.map((tag) => tag.key) : [],
    ...(sourceIdentity === undefined ? {} : { sourceIdentity }),
  };
  return { ok: true, session: { ...fields, key: toSessionKey(fields) } };
}

/** Strings as they are, numbers and booleans as JSON writes them; null for anything else. */
function toScalarText(value: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}
