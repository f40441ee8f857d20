import type { Credentials } from '../credentials/types.js';
import type { Call } from '../egress/createEgressReporter.js';
import type { ForwardTarget } from '../egress/forwardRequest.js';
import { type ForwardOutcome, forwardRequest } from '../egress/forwardRequest.js';
import { ChunkResigner } from './createChunkResigner.js';
import type { ClaimedSignature } from './readSignature.js';
import { toAwsError } from './toAwsError.js';
import type { PayloadMode } from './toPayloadMode.js';
import { toUpstreamRequest } from './toUpstreamRequest.js';
import { type AwsProtocol, writeAwsError } from './writeAwsError.js';

/** A verified call, ready to be signed again and sent. */
export interface AwsForwarding {
  readonly call: Call;
  /** The gateway's upstream for this AWS service (the egress forwarder's target). */
  readonly route: ForwardTarget;
  readonly claim: ClaimedSignature;
  /** The signing key of the client's token: a chunk-signed body's chain is checked with it. */
  readonly clientKey: Buffer;
  readonly rawQuery: string;
  /** The endpoint's origin. */
  readonly origin: string;
  readonly keys: Credentials;
  readonly mode: PayloadMode;
  /** The hash the client signed (or of the buffered body). */
  readonly payloadHash: string;
  /** The buffered body, when it was read to hash it. */
  readonly body: Buffer | undefined;
  readonly protocol: AwsProtocol;
  readonly nowMs: number;
  readonly done: (outcome: ForwardOutcome) => void;
}

/**
 * Signs the call again with the role's keys and streams it through the egress forwarder: the
 * client's body as it comes, the buffered one, or, chunk-signed, through a ChunkResigner
 * chained from the upstream signature. Errors credproxy makes on the way (an unreachable
 * endpoint, a bad chunk) are in the protocol's shape.
 */
export function forwardToAws(f: AwsForwarding): void {
  const { call, claim, mode, protocol } = f;
  const { req } = call;
  const upstream = toUpstreamRequest({
    claim,
    method: req.method ?? 'GET',
    path: call.path,
    rawQuery: f.rawQuery,
    rawHeaders: req.rawHeaders,
    host: new URL(f.origin).host,
    keys: f.keys,
    payloadHash: f.payloadHash,
    // S3 requires the header; the client sent it whenever the body was not buffered.
    sendPayloadHash: mode.kind !== 'buffer' || claim.scope.service === 's3',
    nowMs: f.nowMs,
  });
  let upload: Buffer | ChunkResigner | undefined = f.body;
  if (mode.kind === 'chunked') {
    const client = { signingKey: f.clientKey, amzDate: claim.amzDate, scope: claim.scope };
    const resigner = new ChunkResigner(
      { ...client, seed: claim.signature },
      {
        signingKey: upstream.signingKey,
        amzDate: upstream.amzDate,
        scope: upstream.scope,
        seed: upstream.signature,
      },
    );
    req.pipe(resigner);
    upload = resigner;
  }
  forwardRequest(
    {
      req,
      res: call.res,
      route: f.route,
      path: upstream.path,
      headers: upstream.headers,
      secrets: [],
      ...(upload === undefined ? {} : { body: upload }),
      writeError: (response, code, message) => {
        if (upload instanceof ChunkResigner && upload.failure !== undefined) {
          const wrong = upload.failure === 'mismatch';
          return writeAwsError(
            response,
            protocol,
            toAwsError(
              wrong ? 'AWS_SIGNATURE_MISMATCH' : 'AWS_SIGNATURE_MALFORMED',
              protocol,
              `a chunk signature of the upload is ${wrong ? 'wrong' : 'malformed'}`,
            ),
          );
        }
        const status = code === 'UPSTREAM_TIMEOUT' ? 504 : 502;
        return writeAwsError(response, protocol, {
          code,
          awsCode: 'ServiceUnavailable',
          status,
          message,
        });
      },
    },
    f.done,
  );
}
