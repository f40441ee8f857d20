import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { HOP_BY_HOP_HEADERS } from '../http/hopByHopHeaders.js';

/** Client headers never forwarded besides hop-by-hop ones: the upstream gets its own Host, and
 * nothing the client could have authenticated with. `expect` is answered by node itself. */
const CLIENT_ONLY = new Set(['host', 'authorization', 'expect']);

/**
 * The request headers sent upstream, as a flat name/value list in the client's order: the
 * client's, less hop-by-hop headers (and those its Connection header names), Host, every header
 * it could have authenticated with, the injected header's name, and any other header carrying
 * the workload's token (`token`, when it presented one); then the injected header.
 */
export function toUpstreamHeaders(
  rawHeaders: readonly string[],
  inject: { readonly header: string; readonly scheme?: string },
  value: string,
  token: string | undefined,
): string[] {
  const named = connectionTokens(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const lower = name.toLowerCase();
    if (
      HOP_BY_HOP_HEADERS.has(lower) ||
      CLIENT_ONLY.has(lower) ||
      lower === inject.header ||
      named?.has(lower)
    ) {
      continue;
    }
    const headerValue = rawHeaders[i + 1] ?? '';
    if (token !== undefined && headerValue.includes(token)) continue;
    out.push(name, headerValue);
  }
  out.push(inject.header, inject.scheme === undefined ? value : `${inject.scheme} ${value}`);
  return out;
}

/**
 * The upstream's response headers for the client: less hop-by-hop ones (and those its
 * Connection header names) and any whose value contains one of `secrets` (an upstream that
 * echoes the key it received must not hand it to the workload). Returns the names removed for
 * a secret, for a log line that names them (never their values).
 */
export function toClientHeaders(
  headers: IncomingHttpHeaders,
  secrets: readonly string[],
): { readonly headers: OutgoingHttpHeaders; readonly withheld: readonly string[] } {
  const connection = headers.connection;
  const named =
    connection === undefined
      ? undefined
      : new Set(
          String(connection)
            .toLowerCase()
            .split(',')
            .map((token) => token.trim()),
        );
  const out: OutgoingHttpHeaders = {};
  const withheld: string[] = [];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name) || named?.has(name)) continue;
    if (holdsSecret(value, secrets)) {
      withheld.push(name);
      continue;
    }
    out[name] = value;
  }
  return { headers: out, withheld };
}

function holdsSecret(value: string | string[], secrets: readonly string[]): boolean {
  for (const secret of secrets) {
    if (typeof value === 'string' ? value.includes(secret) : value.some((v) => v.includes(secret)))
      return true;
  }
  return false;
}

/** Header names a request's Connection header lists (they are hop-by-hop too), lower case. */
function connectionTokens(rawHeaders: readonly string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] ?? '').toLowerCase() !== 'connection') continue;
    named ??= new Set();
    for (const token of (rawHeaders[i + 1] ?? '').split(',')) named.add(token.trim().toLowerCase());
  }
  return named;
}
