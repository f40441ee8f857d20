import type { ErrorCode } from '../errorCodes.js';

/** Node and undici codes of a connection that could not be opened (DNS, refused, no route). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_PRX_TLS',
]);
const TIMEOUT = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** What an upstream failure means for the client: the catalog code of the answer (or cut). */
export type UpstreamErrorCode = Extract<
  ErrorCode,
  'UPSTREAM_UNREACHABLE' | 'UPSTREAM_TLS_FAILED' | 'UPSTREAM_BROKEN' | 'UPSTREAM_TIMEOUT'
>;

/**
 * Classifies an error undici reported for an upstream request by its `code` (the cause's, for
 * wrapped ones). TLS verification failures carry OpenSSL's codes (`CERT_HAS_EXPIRED`,
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`, ...); everything after a
 * connection was open (a reset, a parse error, a short body) is a broken upstream.
 */
export function classifyUpstreamError(error: unknown): UpstreamErrorCode {
  const code = codeOf(error) ?? codeOf(causeOf(error)) ?? '';
  if (TIMEOUT.has(code)) return 'UPSTREAM_TIMEOUT';
  if (UNREACHABLE.has(code) || isProxyRefusal(error)) return 'UPSTREAM_UNREACHABLE';
  if (isTlsCode(code)) return 'UPSTREAM_TLS_FAILED';
  return 'UPSTREAM_BROKEN';
}

function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.includes('CERT') ||
    code.includes('UNABLE_TO_') ||
    code === 'EPROTO'
  );
}

/** ProxyAgent: the egress HTTP proxy refused the CONNECT tunnel. */
function isProxyRefusal(error: unknown): boolean {
  return error instanceof Error && /proxy response/i.test(error.message);
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'string' ? code : undefined;
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}
