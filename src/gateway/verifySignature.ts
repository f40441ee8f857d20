import type { ClaimedSignature } from './readSignature.js';
import {
  type CanonicalHeader,
  fromAmzDate,
  sameSignature,
  signHex,
  toCanonicalQuery,
  toCanonicalRequest,
  toCanonicalUri,
  toSigningKey,
  toStringToSign,
} from './sigv4.js';

/** AWS refuses a request whose X-Amz-Date is further than this from its clock (15 min at S3; 5 is the issue's). */
export const MAX_SKEW_MS = 5 * 60_000;

/** The request as it crossed the wire: what the client signed. */
export interface WireRequest {
  readonly method: string;
  /** The path exactly as sent, without the query. */
  readonly path: string;
  readonly rawHeaders: readonly string[];
}

export type Verification =
  | {
      readonly ok: true;
      /** The signing key of the matching token, for the chunk signatures that follow. */
      readonly signingKey: Buffer;
    }
  | { readonly ok: false; readonly reason: 'skewed' | 'expired' | 'mismatch' | 'malformed' };

/**
 * Recomputes the client's signature with each token the service may present and compares in
 * constant time. Time first: a request outside the window is refused whatever its signature.
 * `payloadHash` is the client's `x-amz-content-sha256`, the hash of a buffered body, or
 * UNSIGNED-PAYLOAD for a presigned S3 URL.
 */
export function verifySignature(
  claim: ClaimedSignature,
  request: WireRequest,
  payloadHash: string,
  secrets: readonly string[],
  nowMs: number,
): Verification {
  const signedAt = fromAmzDate(claim.amzDate);
  if (Number.isNaN(signedAt) || claim.amzDate.slice(0, 8) !== claim.scope.date) {
    return { ok: false, reason: 'malformed' };
  }
  if (claim.expiresSeconds === undefined) {
    if (Math.abs(nowMs - signedAt) > MAX_SKEW_MS) return { ok: false, reason: 'skewed' };
  } else {
    if (signedAt - nowMs > MAX_SKEW_MS) return { ok: false, reason: 'skewed' };
    if (nowMs > signedAt + claim.expiresSeconds * 1000) return { ok: false, reason: 'expired' };
  }
  const headers = toSignedHeaders(claim.signedHeaders, request.rawHeaders);
  if (headers === undefined) return { ok: false, reason: 'mismatch' };
  const query =
    claim.form === 'query' ? claim.query.filter((p) => p.name !== 'X-Amz-Signature') : claim.query;
  const canonical = toCanonicalRequest({
    method: request.method,
    uri: toCanonicalUri(request.path, claim.scope.service),
    query: toCanonicalQuery(query),
    headers,
    payloadHash,
  });
  const stringToSign = toStringToSign(claim.amzDate, claim.scope, canonical);
  for (const secret of secrets) {
    const signingKey = toSigningKey(secret, claim.scope);
    if (sameSignature(signHex(signingKey, stringToSign), claim.signature)) {
      return { ok: true, signingKey };
    }
  }
  return { ok: false, reason: 'mismatch' };
}

/** The signed headers' values from the wire; undefined when one is missing. */
function toSignedHeaders(
  names: readonly string[],
  rawHeaders: readonly string[],
): CanonicalHeader[] | undefined {
  const values = new Map<string, string[]>(names.map((name) => [name, []]));
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const list = values.get((rawHeaders[i] ?? '').toLowerCase());
    list?.push(rawHeaders[i + 1] ?? '');
  }
  const headers: CanonicalHeader[] = [];
  for (const name of names) {
    const list = values.get(name) ?? [];
    if (list.length === 0) return undefined;
    headers.push({ name, values: list });
  }
  return headers;
}
