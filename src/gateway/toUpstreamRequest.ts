import { HOP_BY_HOP_HEADERS } from '../http/hopByHopHeaders.js';
import type { ClaimedSignature } from './readSignature.js';
import { PRESIGN_PARAMS } from './readSignature.js';
import {
  ALGORITHM,
  type CanonicalHeader,
  parseQuery,
  type Scope,
  signHex,
  toAmzDate,
  toCanonicalQuery,
  toCanonicalRequest,
  toCanonicalUri,
  toScopeText,
  toSigningKey,
  toStringToSign,
} from './sigv4.js';

/** The keys the upstream request is signed with: the service's assumed-role set. */
export interface SigningKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** The re-signed request: where it goes, its headers, and what chunk signatures chain from. */
export interface UpstreamRequest {
  /** Path and query as sent upstream. */
  readonly path: string;
  /** Flat name/value list. */
  readonly headers: string[];
  readonly amzDate: string;
  readonly scope: Scope;
  readonly signingKey: Buffer;
  /** The seed signature of a chunk-signed body. */
  readonly signature: string;
}

/**
 * Client headers never forwarded: credproxy sets Host and the signing headers itself, and an
 * Expect was answered by node already.
 */
const REPLACED = new Set([
  'host',
  'authorization',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'expect',
]);

/**
 * Re-signs the client's request for `host` with the role's keys: the same method, path, query
 * (less any presign parameters) and headers (less hop-by-hop and the client's signing ones),
 * with every header the client signed signed again plus host, date and session token. The
 * payload hash is the client's own (`payloadHash`), so a streamed body is never read here.
 */
export function toUpstreamRequest(input: {
  readonly claim: ClaimedSignature;
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly rawHeaders: readonly string[];
  /** `host[:port]` of the upstream. */
  readonly host: string;
  readonly keys: SigningKeys;
  readonly payloadHash: string;
  /** Send `x-amz-content-sha256` (S3 requires it; the client sent it). */
  readonly sendPayloadHash: boolean;
  readonly nowMs: number;
}): UpstreamRequest {
  const { claim, keys } = input;
  const amzDate = toAmzDate(input.nowMs);
  const scope: Scope = { ...claim.scope, date: amzDate.slice(0, 8) };
  const named = connectionNamed(input.rawHeaders);
  const signed = new Set(claim.signedHeaders);
  const headers: string[] = [];
  const canonical = new Map<string, string[]>();
  for (let i = 0; i < input.rawHeaders.length; i += 2) {
    const name = input.rawHeaders[i] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP_HEADERS.has(lower) || REPLACED.has(lower) || named?.has(lower)) continue;
    const value = input.rawHeaders[i + 1] ?? '';
    headers.push(name, value);
    if (signed.has(lower)) canonical.set(lower, [...(canonical.get(lower) ?? []), value]);
  }
  const own: Array<[string, string]> = [
    ['host', input.host],
    ['x-amz-date', amzDate],
    ['x-amz-security-token', keys.sessionToken],
  ];
  if (input.sendPayloadHash) own.push(['x-amz-content-sha256', input.payloadHash]);
  for (const [name, value] of own) {
    headers.push(name, value);
    canonical.set(name, [value]);
  }
  const sorted: CanonicalHeader[] = [...canonical.keys()]
    .sort()
    .map((name) => ({ name, values: canonical.get(name) ?? [] }));
  const { rawQuery, params } =
    claim.form === 'query'
      ? withoutPresign(input.rawQuery)
      : { rawQuery: input.rawQuery, params: claim.query };
  const canonicalRequest = toCanonicalRequest({
    method: input.method,
    uri: toCanonicalUri(input.path, scope.service),
    query: toCanonicalQuery(params),
    headers: sorted,
    payloadHash: input.payloadHash,
  });
  const signingKey = toSigningKey(keys.secretAccessKey, scope);
  const signature = signHex(signingKey, toStringToSign(amzDate, scope, canonicalRequest));
  headers.push(
    'authorization',
    `${ALGORITHM} Credential=${keys.accessKeyId}/${toScopeText(scope)}, SignedHeaders=${sorted.map((h) => h.name).join(';')}, Signature=${signature}`,
  );
  return {
    path: rawQuery === '' ? input.path : `${input.path}?${rawQuery}`,
    headers,
    amzDate,
    scope,
    signingKey,
    signature,
  };
}

/** The raw query without presign parameters, and what remains, decoded. */
function withoutPresign(rawQuery: string): {
  rawQuery: string;
  params: ReturnType<typeof parseQuery>;
} {
  const kept = rawQuery
    .split('&')
    .filter(
      (pair) =>
        pair !== '' &&
        !PRESIGN_PARAMS.has(decodeURIComponent(pair.split('=')[0] ?? '').toLowerCase()),
    );
  const joined = kept.join('&');
  return { rawQuery: joined, params: parseQuery(joined) };
}

function connectionNamed(rawHeaders: readonly string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] ?? '').toLowerCase() !== 'connection') continue;
    named ??= new Set();
    for (const token of (rawHeaders[i + 1] ?? '').split(',')) named.add(token.trim().toLowerCase());
  }
  return named;
}
