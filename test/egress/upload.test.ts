import { request } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TOKEN, makeAgent, makeRoute, startEgress } from './egressSetup.js';
import { startUpstream, type Upstream } from './upstream.js';

const GiB = 1024 ** 3;
const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** `total` bytes made on the fly from one reused chunk: the client holds nothing either. */
function generated(total: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(CHUNK.length, total - sent);
      sent += size;
      this.push(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size));
    },
  });
}

/**
 * Runs in CI like every test: 1 GiB crosses loopback twice in this one process (client →
 * credproxy → upstream), a few seconds on two cores. RSS is sampled throughout; its growth over
 * the start bounds what credproxy (and the test's own client and upstream) buffer.
 */
describe('a 1 GiB upload through an egress route', () => {
  let upstream: Upstream;
  let t: Awaited<ReturnType<typeof startEgress>>;

  beforeAll(async () => {
    upstream = await startUpstream({
      record: false,
      handler: (req, res) => {
        let bytes = 0;
        req.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        req.on('end', () => res.end(JSON.stringify({ bytes })));
      },
    });
    t = await startEgress(
      [makeRoute('files', upstream.url)],
      [makeAgent('agent', AGENT_TOKEN, ['files'])],
    );
  });

  afterAll(async () => {
    await t?.sidecar.stop();
    await upstream?.close();
  });

  it('streams in constant memory: RSS grows by less than 64 MB', async () => {
    const url = new URL(`${t.egress}/files/upload`);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);

    const answer = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'PUT',
          headers: { 'x-api-key': AGENT_TOKEN, 'content-length': String(GiB) },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      generated(GiB).pipe(req);
    });
    clearInterval(sampler);
    const audit = t.logs.lines().find((line) => line.event === 'proxied');

    expect(JSON.parse(answer)).toEqual({ bytes: GiB });
    expect(audit?.bytesUp).toBe(GiB);
    expect((peak - baseline) / MB).toBeLessThan(64);
  }, 120_000);
});
