import { UNSIGNED_PAYLOAD } from './sigv4.js';

/** How the body is hashed for the signatures, and so whether it must be read first. */
export type PayloadMode =
  /** Hash known from the client: the body streams through untouched. */
  | { readonly kind: 'stream'; readonly hash: string }
  /** Chunk-signed: the request signs this literal; every chunk is re-signed on the way. */
  | { readonly kind: 'chunked'; readonly hash: string }
  /** No hash given (JSON and query protocols): the body is read to hash it. */
  | { readonly kind: 'buffer' }
  | { readonly kind: 'unsupported'; readonly value: string };

/** Chunk-signed uploads: each chunk signed with the request's key (S3 "SigV4 streaming"). */
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
/**
 * aws-chunked bodies whose chunks carry no signature, with a checksum trailer (JS v3's default
 * for streams): the body holds nothing signed, so it passes through intact.
 */
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/**
 * From the client's `x-amz-content-sha256`: a hex hash, UNSIGNED-PAYLOAD and the unsigned
 * trailer form stream; signed chunks are re-signed; other forms (a signed trailer, SigV4a
 * chunks) are refused. A presigned S3 URL without the header signs UNSIGNED-PAYLOAD.
 */
export function toPayloadMode(
  value: string | undefined,
  form: 'header' | 'query',
  service: string,
): PayloadMode {
  if (value === undefined) {
    return form === 'query' && service === 's3'
      ? { kind: 'stream', hash: UNSIGNED_PAYLOAD }
      : { kind: 'buffer' };
  }
  if (
    /^[0-9a-f]{64}$/.test(value) ||
    value === UNSIGNED_PAYLOAD ||
    value === STREAMING_UNSIGNED_TRAILER
  ) {
    return { kind: 'stream', hash: value };
  }
  if (value === STREAMING_SIGNED) return { kind: 'chunked', hash: value };
  return { kind: 'unsupported', value: value.slice(0, 64).replace(/[^A-Z0-9-]/g, '?') };
}
