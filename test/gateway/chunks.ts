import { createHash, createHmac } from 'node:crypto';

const EMPTY = createHash('sha256').update('').digest('hex');

/** The SigV4 signing key, written here from the spec so tests do not lean on src/gateway. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const h = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  return h(h(h(h(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body: each chunk signed, chained from `seed`. */
export function encodeSignedChunks(
  data: Buffer,
  chunkBytes: number,
  chain: { key: Buffer; amzDate: string; scope: string; seed: string },
): Buffer {
  const parts: Buffer[] = [];
  let previous = chain.seed;
  const sizes: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunkBytes)
    sizes.push(data.subarray(at, at + chunkBytes));
  sizes.push(Buffer.alloc(0));
  for (const chunk of sizes) {
    const hash = createHash('sha256').update(chunk).digest('hex');
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${chain.amzDate}\n${chain.scope}\n${previous}\n${EMPTY}\n${hash}`;
    previous = createHmac('sha256', chain.key).update(toSign).digest('hex');
    parts.push(
      Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    );
  }
  return Buffer.concat(parts);
}

/** Decodes a chunk-signed body and checks every signature; throws on the first bad one. */
export function decodeSignedChunks(
  body: Buffer,
  chain: { key: Buffer; amzDate: string; scope: string; seed: string },
): Buffer {
  const out: Buffer[] = [];
  let previous = chain.seed;
  let at = 0;
  for (;;) {
    const end = body.indexOf('\r\n', at);
    const m = /^([0-9a-f]+);chunk-signature=([0-9a-f]{64})$/.exec(
      body.subarray(at, end).toString(),
    );
    if (m === null) throw new Error('bad chunk header');
    const size = Number.parseInt(m[1] ?? '', 16);
    const chunk = body.subarray(end + 2, end + 2 + size);
    const hash = createHash('sha256').update(chunk).digest('hex');
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${chain.amzDate}\n${chain.scope}\n${previous}\n${EMPTY}\n${hash}`;
    const expected = createHmac('sha256', chain.key).update(toSign).digest('hex');
    if (expected !== m[2]) throw new Error(`chunk signature mismatch at byte ${at}`);
    previous = expected;
    out.push(chunk);
    at = end + 2 + size + 2;
    if (size === 0) break;
  }
  if (at !== body.length) throw new Error('bytes after the final chunk');
  return Buffer.concat(out);
}
