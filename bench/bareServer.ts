/**
 * The baseline: a bare node:http handler answering every request with a body of the given size
 * and the same headers credproxy sends. Run as a child: `node --import tsx bench/bareServer.ts
 * PORT BYTES`.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const body = Buffer.alloc(Number(process.argv[3]), 'x');
const headers = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-store',
  'Content-Length': body.length,
};

const server = createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
