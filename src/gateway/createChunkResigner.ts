import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { type Scope, sameSignature, signHex, toChunkStringToSign } from './sigv4.js';

/** One side of a chunk-signature chain: the key, the date and scope, the seed signature. */
export interface ChunkChain {
  readonly signingKey: Buffer;
  readonly amzDate: string;
  readonly scope: Scope;
  readonly seed: string;
}

/** The largest chunk buffered to hash before it can be re-signed (SDKs send 8 KiB to 1 MiB). */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
const MAX_HEADER_BYTES = 256;

/**
 * Re-signs an `aws-chunked` body signed chunk by chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD):
 * each `<hex size>;chunk-signature=<sig>\r\n<data>\r\n` is checked against the client's chain
 * (its token's key, seeded by its request signature) and sent on with the upstream chain's
 * signature (the role's key, seeded by the re-signed request's). The size text is kept and a
 * signature is always 64 hex digits, so the body's length, and Content-Length, do not change.
 * One chunk is held at a time. A bad signature or framing fails the stream with `failure` set:
 * the upstream sees a broken body, never a chunk that was not verified.
 */
export class ChunkResigner extends Transform {
  failure: 'mismatch' | 'malformed' | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private state: 'header' | 'data' | 'crlf' | 'done' = 'header';
  private size = 0;
  private sizeText = '';
  private claimed = '';
  private parts: Buffer[] = [];
  private received = 0;
  private hash: Hash | undefined;
  private clientPrevious: string;
  private upstreamPrevious: string;

  constructor(
    private readonly client: ChunkChain,
    private readonly upstream: ChunkChain,
  ) {
    super();
    this.clientPrevious = client.seed;
    this.upstreamPrevious = upstream.seed;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    done(this.drain());
  }

  override _flush(done: TransformCallback): void {
    if (this.state !== 'done' || this.buffered.length > 0) done(this.fail('malformed'));
    else done();
  }

  private drain(): Error | undefined {
    while (this.buffered.length > 0) {
      if (this.state === 'header') {
        const end = this.buffered.indexOf('\r\n');
        if (end === -1) {
          return this.buffered.length > MAX_HEADER_BYTES ? this.fail('malformed') : undefined;
        }
        const line = this.buffered.subarray(0, end).toString('latin1');
        this.buffered = this.buffered.subarray(end + 2);
        const m = /^([0-9a-fA-F]{1,8});chunk-signature=([0-9a-f]{64})$/.exec(line);
        if (m === null) return this.fail('malformed');
        this.sizeText = m[1] ?? '';
        this.claimed = m[2] ?? '';
        this.size = Number.parseInt(this.sizeText, 16);
        if (this.size > MAX_CHUNK_BYTES) return this.fail('malformed');
        this.hash = createHash('sha256');
        this.parts = [];
        this.received = 0;
        this.state = 'data';
      } else if (this.state === 'data') {
        const take = Math.min(this.size - this.received, this.buffered.length);
        const piece = this.buffered.subarray(0, take);
        this.buffered = this.buffered.subarray(take);
        this.hash?.update(piece);
        this.parts.push(piece);
        this.received += take;
        if (this.received === this.size) this.state = 'crlf';
      } else if (this.state === 'crlf') {
        if (this.buffered.length < 2) return undefined;
        if (this.buffered[0] !== 0x0d || this.buffered[1] !== 0x0a) return this.fail('malformed');
        this.buffered = this.buffered.subarray(2);
        const error = this.emitChunk();
        if (error !== undefined) return error;
      } else {
        return this.fail('malformed');
      }
    }
    return undefined;
  }

  private emitChunk(): Error | undefined {
    const chunkHash = this.hash?.digest('hex') ?? '';
    const { client, upstream } = this;
    const expected = signHex(
      client.signingKey,
      toChunkStringToSign(client.amzDate, client.scope, this.clientPrevious, chunkHash),
    );
    if (!sameSignature(expected, this.claimed)) return this.fail('mismatch');
    this.clientPrevious = this.claimed;
    const signature = signHex(
      upstream.signingKey,
      toChunkStringToSign(upstream.amzDate, upstream.scope, this.upstreamPrevious, chunkHash),
    );
    this.upstreamPrevious = signature;
    this.push(Buffer.from(`${this.sizeText};chunk-signature=${signature}\r\n`, 'latin1'));
    for (const part of this.parts) this.push(part);
    this.push(Buffer.from('\r\n'));
    this.parts = [];
    this.state = this.size === 0 ? 'done' : 'header';
    return undefined;
  }

  private fail(reason: 'mismatch' | 'malformed'): Error {
    this.failure = reason;
    return new Error(`chunk-signed body refused (${reason})`);
  }
}
