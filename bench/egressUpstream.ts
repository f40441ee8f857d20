/**
 * The upstream of the egress figures, run as a child: `node --import tsx
 * bench/egressUpstream.ts PORT`. POST/PUT: drains the body and answers 1 KiB of JSON-ish text
 * (a 1 KiB request and answer, or an upload's byte count). GET /sse?events=N&gapMs=G: N
 * server-sent events G ms apart, each carrying the monotonic time it was written (ns, the same
 * clock in every process on Linux), so the client measures each event's delay.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const answer = Buffer.alloc(1024, 'a');

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://upstream');
  if (url.pathname.endsWith('/sse')) {
    const events = Number(url.searchParams.get('events') ?? 100);
    const gapMs = Number(url.searchParams.get('gapMs') ?? 10);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    let sent = 0;
    const timer = setInterval(() => {
      res.write(`data: ${process.hrtime.bigint()}\n\n`);
      sent += 1;
      if (sent >= events) {
        clearInterval(timer);
        res.end();
      }
    }, gapMs);
    res.on('close', () => clearInterval(timer));
    return;
  }
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    if (req.method === 'PUT') {
      res.end(JSON.stringify({ bytes }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
    res.end(answer);
  });
});
server.keepAliveTimeout = 10_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
