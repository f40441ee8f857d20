/**
 * Headers that describe one connection, not the message (RFC 9110 section 7.6.1, plus the
 * non-standard `keep-alive` and `proxy-connection`): a proxy never forwards them. Lower case.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Headers the HTTP layer itself sets: a route may not inject one of these either. */
export const FRAMING_HEADERS: ReadonlySet<string> = new Set(['host', 'content-length', 'expect']);
