import type { ServerResponse } from 'node:http';

/**
 * A plain-text IMDS answer (a session token, a role name, a region), as EC2 sends them: no
 * trailing newline (clients use the body as is), `Cache-Control: no-store`, no body for HEAD,
 * `Connection: close` once draining. Errors still go through the JSON writer.
 */
export function writeText(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(body);
  const head: Record<string, string | number> = {
    'Content-Type': 'text/plain',
    'Cache-Control': 'no-store',
    ...headers,
    'Content-Length': bytes.length,
  };
  if (!res.shouldKeepAlive) head.Connection = 'close';
  res.writeHead(status, head);
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}
