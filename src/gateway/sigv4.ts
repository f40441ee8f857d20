import { createHash, createHmac } from 'node:crypto';

/**
 * Signature Version 4, the pure parts both halves of the gateway share: the client's signature
 * is recomputed with its token as secret, and the upstream's is made with the role's keys.
 * Spec: "Create a signed AWS API request" and "Signature Version 4 signing process" (AWS IAM
 * User Guide); the chunk and trailer forms are in the S3 API reference ("SigV4 streaming").
 */
export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** `<date>/<region>/<service>/aws4_request`, the credential scope without the key id. */
export interface Scope {
  /** `YYYYMMDD`. */
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

export function toScopeText(scope: Scope): string {
  return `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Derived keys kept: a key is valid for a whole day, and each request needs two. */
const MAX_CACHED_KEYS = 256;
const signingKeys = new Map<string, Buffer>();

/**
 * kSigning = HMAC chain over date, region, service and `aws4_request`; memoized per secret and
 * scope (four HMACs saved per signature, as the SDKs' signers cache it too). The map lives in
 * the process that holds the secrets anyway and is never logged.
 */
export function toSigningKey(secret: string, scope: Scope): Buffer {
  const cacheKey = `${scope.date}/${scope.region}/${scope.service}\n${secret}`;
  const cached = signingKeys.get(cacheKey);
  if (cached !== undefined) return cached;
  const kDate = hmac(`AWS4${secret}`, scope.date);
  const key = hmac(hmac(hmac(kDate, scope.region), scope.service), 'aws4_request');
  if (signingKeys.size >= MAX_CACHED_KEYS) signingKeys.clear();
  signingKeys.set(cacheKey, key);
  return key;
}

export function toStringToSign(amzDate: string, scope: Scope, canonicalRequest: string): string {
  return `${ALGORITHM}\n${amzDate}\n${toScopeText(scope)}\n${sha256Hex(canonicalRequest)}`;
}

export function signHex(key: Buffer, stringToSign: string): string {
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** One header as it enters the canonical request: lower-case name, its values in wire order. */
export interface CanonicalHeader {
  readonly name: string;
  readonly values: readonly string[];
}

export interface CanonicalParts {
  readonly method: string;
  /** Already canonical (see toCanonicalUri). */
  readonly uri: string;
  /** Already canonical (see toCanonicalQuery). */
  readonly query: string;
  /** In signed-header order: sorted by name. */
  readonly headers: readonly CanonicalHeader[];
  readonly payloadHash: string;
}

export function toCanonicalRequest(parts: CanonicalParts): string {
  let headerBlock = '';
  let names = '';
  for (const header of parts.headers) {
    headerBlock += `${header.name}:${header.values.map(trimValue).join(',')}\n`;
    names = names === '' ? header.name : `${names};${header.name}`;
  }
  return `${parts.method}\n${parts.uri}\n${parts.query}\n${headerBlock}\n${names}\n${parts.payloadHash}`;
}

/** Leading and trailing spaces removed, inner runs of spaces collapsed (the spec's Trimall). */
function trimValue(value: string): string {
  const trimmed = value.trim();
  return /\s{2,}/.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed;
}

/**
 * The canonical URI from the path as it crossed the wire. S3 signs that path exactly; every
 * other service signs it normalized and encoded a second time (botocore's `_normalize_url_path`,
 * smithy's `uriEscapePath`), which only matters for REST paths with escapes in them.
 */
export function toCanonicalUri(wirePath: string, service: string): string {
  if (wirePath === '') return '/';
  if (service === 's3') return wirePath;
  const segments: string[] = [];
  for (const segment of wirePath.split('/').slice(1)) {
    if (segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `/${segments.join('/')}`;
  return encodeRfc3986(normalized).replace(/%2F/g, '/');
}

/** Every byte but the unreserved set (A-Z a-z 0-9 - _ . ~) percent-encoded, upper-case hex. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** One `name=value` of a query string, decoded. */
export interface QueryParam {
  readonly name: string;
  readonly value: string;
}

/**
 * The query string's parameters, decoded, in wire order; `+` is kept as a plus (SDKs encode
 * spaces as %20). Throws URIError on malformed percent-encoding.
 */
export function parseQuery(query: string): QueryParam[] {
  if (query === '') return [];
  const params: QueryParam[] = [];
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = at === -1 ? pair : pair.slice(0, at);
    const value = at === -1 ? '' : pair.slice(at + 1);
    params.push({ name: decodeURIComponent(name), value: decodeURIComponent(value) });
  }
  return params;
}

/** Encoded, sorted by name then value, `name=value` joined with `&` (`name=` when empty). */
export function toCanonicalQuery(params: readonly QueryParam[]): string {
  if (params.length === 0) return '';
  const encoded = params.map((p) => [encodeRfc3986(p.name), encodeRfc3986(p.value)] as const);
  encoded.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return encoded.map(([name, value]) => `${name}=${value}`).join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The string a chunk signature signs (STREAMING-AWS4-HMAC-SHA256-PAYLOAD). */
export function toChunkStringToSign(
  amzDate: string,
  scope: Scope,
  previousSignature: string,
  chunkHash: string,
): string {
  return `${ALGORITHM}-PAYLOAD\n${amzDate}\n${toScopeText(scope)}\n${previousSignature}\n${EMPTY_SHA256}\n${chunkHash}`;
}

/** `YYYYMMDD'T'HHMMSS'Z'` for an epoch time in milliseconds. */
export function toAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Epoch milliseconds of an `X-Amz-Date` value, or NaN. */
export function fromAmzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (m === null) return Number.NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** Constant-time comparison of two hex signatures. */
export function sameSignature(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
