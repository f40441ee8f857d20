/**
 * The CPU baseline of figure 8: the least a proxy on undici does, run as a child: `node
 * --import tsx bench/passThroughProxy.ts PORT UPSTREAM_ORIGIN PREFIX`. It strips the prefix,
 * drops Host and Connection, streams the request body up and the answer back with undici's
 * stream(), and checks nothing: no token, no route table, no header filtering, no audit line,
 * no metrics.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const port = Number(process.argv[2]);
const pool = new Pool(process.argv[3] ?? '');
const prefix = process.argv[4] ?? '';

const server = createServer((req, res) => {
  const { host: _host, connection: _connection, ...headers } = req.headers;
  const hasBody =
    req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
  pool
    .stream(
      {
        path: (req.url ?? '/').slice(prefix.length) || '/',
        method: (req.method ?? 'GET') as 'GET',
        headers,
        body: hasBody ? req : null,
      },
      ({ statusCode, headers: answer }) => {
        const { connection: _c, 'keep-alive': _k, 'transfer-encoding': _t, ...rest } = answer;
        res.writeHead(statusCode, rest);
        return res;
      },
    )
    .catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
});
server.keepAliveTimeout = 10_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
