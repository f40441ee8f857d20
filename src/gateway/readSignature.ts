import { ALGORITHM, parseQuery, type QueryParam, type Scope } from './sigv4.js';

/** What a SigV4 request claims: who signed, for what scope and time, over which headers. */
export interface ClaimedSignature {
  readonly form: 'header' | 'query';
  /** The access key id: a credproxy service name. */
  readonly service: string;
  readonly scope: Scope;
  /** `X-Amz-Date`. */
  readonly amzDate: string;
  /** Lower case, as listed (SignedHeaders), which the spec requires sorted. */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** Presigned only: `X-Amz-Expires`, seconds. */
  readonly expiresSeconds?: number;
  /** Every query parameter, decoded, in wire order (the presign ones included). */
  readonly query: readonly QueryParam[];
}

export type SignatureReading =
  | { readonly ok: true; readonly claim: ClaimedSignature }
  | { readonly ok: false; readonly reason: 'sigv2' | 'unsupported' | 'malformed' };

/**
 * The presign parameters (lower case), never forwarded upstream: the upstream request is signed
 * in the header form. A hoisted `x-amz-content-sha256` is one of them (smithy's presign).
 */
export const PRESIGN_PARAMS = new Set([
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-signedheaders',
  'x-amz-signature',
  'x-amz-security-token',
  'x-amz-content-sha256',
]);

/** Longest presigned URL life S3 accepts (7 days), seconds. */
const MAX_EXPIRES_SECONDS = 604_800;

/**
 * Whether a request on the egress listener is meant for the AWS gateway: an `AWS4-...` or
 * `AWS ...` (SigV2) Authorization header, or a presigned query of either version. Cheap: the
 * egress hot path runs it on every request.
 */
export function isAwsSigned(authorization: string | undefined, url: string): boolean {
  if (authorization !== undefined && /^AWS4?[- ]/.test(authorization)) return true;
  const q = url.indexOf('?');
  if (q === -1) return false;
  const query = url.slice(q);
  return (
    query.includes('X-Amz-Signature=') ||
    (query.includes('AWSAccessKeyId=') && query.includes('Signature='))
  );
}

/**
 * Reads the signature from the Authorization header or the presigned query. `sigv2`: the
 * retired `AWS key:sig` form or its query; `unsupported`: another algorithm (SigV4a's
 * `AWS4-ECDSA-P256-SHA256`); `malformed`: a field missing or out of shape.
 */
export function readSignature(
  authorization: string | undefined,
  rawQuery: string,
  amzDateHeader: string | undefined,
): SignatureReading {
  let query: QueryParam[];
  try {
    query = parseQuery(rawQuery);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (authorization !== undefined) {
    if (authorization.startsWith('AWS ')) return { ok: false, reason: 'sigv2' };
    const space = authorization.indexOf(' ');
    if (authorization.slice(0, space) !== ALGORITHM) return { ok: false, reason: 'unsupported' };
    const fields = new Map<string, string>();
    for (const part of authorization.slice(space + 1).split(',')) {
      const at = part.indexOf('=');
      if (at !== -1) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
    }
    return toClaim('header', {
      credential: fields.get('Credential'),
      signedHeaders: fields.get('SignedHeaders'),
      signature: fields.get('Signature'),
      amzDate: amzDateHeader,
      query,
    });
  }
  const get = (name: string) => query.find((p) => p.name === name)?.value;
  if (get('AWSAccessKeyId') !== undefined && get('X-Amz-Algorithm') === undefined) {
    return { ok: false, reason: 'sigv2' };
  }
  if (get('X-Amz-Algorithm') !== ALGORITHM) return { ok: false, reason: 'unsupported' };
  const expires = Number(get('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES_SECONDS) {
    return { ok: false, reason: 'malformed' };
  }
  return toClaim('query', {
    credential: get('X-Amz-Credential'),
    signedHeaders: get('X-Amz-SignedHeaders'),
    signature: get('X-Amz-Signature'),
    amzDate: get('X-Amz-Date'),
    expiresSeconds: expires,
    query,
  });
}

function toClaim(
  form: 'header' | 'query',
  raw: {
    credential: string | undefined;
    signedHeaders: string | undefined;
    signature: string | undefined;
    amzDate: string | undefined;
    expiresSeconds?: number;
    query: QueryParam[];
  },
): SignatureReading {
  const parts = raw.credential?.split('/') ?? [];
  const [service, date, region, awsService, terminator] = parts;
  if (
    parts.length !== 5 ||
    service === undefined ||
    date === undefined ||
    region === undefined ||
    awsService === undefined ||
    terminator !== 'aws4_request' ||
    !/^\d{8}$/.test(date) ||
    raw.signedHeaders === undefined ||
    raw.signedHeaders === '' ||
    raw.signature === undefined ||
    !/^[0-9a-f]{64}$/.test(raw.signature) ||
    raw.amzDate === undefined
  ) {
    return { ok: false, reason: 'malformed' };
  }
  return {
    ok: true,
    claim: {
      form,
      service,
      scope: { date, region, service: awsService },
      amzDate: raw.amzDate,
      signedHeaders: raw.signedHeaders.toLowerCase().split(';'),
      signature: raw.signature,
      ...(raw.expiresSeconds === undefined ? {} : { expiresSeconds: raw.expiresSeconds }),
      query: raw.query,
    },
  };
}
