import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body of at most `maxBytes` into memory (JSON and query protocols, whose
 * bodies are hashed to verify and re-sign them). `too_large` as soon as it is known, from
 * Content-Length or from the bytes: the rest is never read.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too_large'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.resolve('too_large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(size > maxBytes ? 'too_large' : Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}
