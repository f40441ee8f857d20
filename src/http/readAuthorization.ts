import type { IncomingMessage } from 'node:http';

/**
 * The request's Authorization value; undefined when absent; null when it appears more than
 * once (in any case). Node keeps the first of duplicate Authorization headers, so an attacker
 * could smuggle a second one past a proxy that reads the last: two are refused, never resolved.
 */
export function readAuthorization(req: IncomingMessage): string | undefined | null {
  const raw = req.rawHeaders;
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name !== undefined && name.length === 13 && name.toLowerCase() === 'authorization')
      seen += 1;
  }
  if (seen > 1) return null;
  return req.headers.authorization;
}
