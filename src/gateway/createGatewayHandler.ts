import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AwsGatewayConfig } from '../config/doorTypes.js';
import type { Env } from '../config/env.js';
import type { ServiceConfig } from '../config/types.js';
import type { CredentialTable } from '../credentials/createCredentialCache.js';
import type { Credentials } from '../credentials/types.js';
import { type Call, type EgressReporter, UNKNOWN } from '../egress/createEgressReporter.js';
import { COLD_WAIT_MS } from '../endpoint/createCredentialRoute.js';
import type { ErrorCode } from '../errorCodes.js';
import { CredproxyError } from '../errors.js';
import type { Authenticator } from '../identity/createAuthenticator.js';
import type { SecretLookup } from '../identity/createSecretLookup.js';
import type { Metrics } from '../observability/createMetrics.js';
import type { GatewayUpstreams } from './createGatewayUpstreams.js';
import { forwardToAws } from './forwardToAws.js';
import { readBody } from './readBody.js';
import { readSignature } from './readSignature.js';
import { resolveEndpoint } from './resolveEndpoint.js';
import { sha256Hex } from './sigv4.js';
import { toAwsError } from './toAwsError.js';
import { toDenial } from './toDenial.js';
import { toOperation } from './toOperation.js';
import { toPayloadMode } from './toPayloadMode.js';
import { verifySignature } from './verifySignature.js';
import { toProtocol, writeAwsError } from './writeAwsError.js';

export interface GatewayHandlerDeps {
  /** `proxy.aws` of the config in force; undefined when the gateway is off. */
  readonly config: () => AwsGatewayConfig | undefined;
  readonly services: () => ReadonlyMap<string, ServiceConfig>;
  readonly secrets: SecretLookup;
  readonly authenticator: Authenticator;
  readonly credentials: () => CredentialTable;
  readonly now: () => number;
  readonly env: Env;
  readonly upstreams: GatewayUpstreams;
  readonly report: EgressReporter;
  readonly metrics: Metrics | undefined;
  readonly coldWaitMs?: number;
}

const GATEWAY = 'aws';
const REGION = /^[a-z0-9-]{1,32}$/;

const VERIFY_FAILURES = {
  skewed: [
    'AWS_CLOCK_SKEWED',
    "the request's X-Amz-Date is more than 5 minutes from credproxy's clock",
  ],
  expired: ['AWS_PRESIGN_EXPIRED', 'Request has expired (the presigned URL is past X-Amz-Expires)'],
  mismatch: [
    'AWS_SIGNATURE_MISMATCH',
    "The request signature we calculated does not match the signature you provided. Check that AWS_SECRET_ACCESS_KEY is the service's credproxy token.",
  ],
  malformed: ['AWS_SIGNATURE_MALFORMED', 'the SigV4 signature is incomplete or malformed'],
} as const;

/**
 * One SigV4-signed request on the egress listener: read the signature, find the service its
 * access key id names, verify the signature with that service's tokens (body hash from
 * `x-amz-content-sha256`, or the buffered body), check `aws_gateway` and the allow-lists, then
 * re-sign for the real endpoint with the service's current role credentials and stream it.
 * Nothing is forwarded on any refusal; failed signatures count in the failed-attempt limiter.
 */
export function createGatewayHandler(deps: GatewayHandlerDeps) {
  const { report } = deps;
  const coldWaitMs = deps.coldWaitMs ?? COLD_WAIT_MS;

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const target = header(req, 'x-amz-target');
    const reading = readSignature(
      header(req, 'authorization'),
      rawQuery,
      header(req, 'x-amz-date'),
    );
    const awsService = reading.ok ? reading.claim.scope.service : undefined;
    const protocol = toProtocol(awsService, target, header(req, 'content-type'));
    const client = req.socket.remoteAddress ?? UNKNOWN;

    const refuse = (code: ErrorCode, message: string, counted: boolean): void => {
      let finalCode = code;
      const headers: Record<string, string> = {};
      if (counted) {
        const limited = deps.authenticator.refuse('invalid_token', client);
        if (limited.reason === 'rate_limited') {
          finalCode = 'RATE_LIMITED';
          headers['Retry-After'] = String(limited.retryAfterSeconds);
        }
      }
      const text =
        finalCode === 'RATE_LIMITED' ? 'too many failed signatures from this address' : message;
      if (!req.complete) res.shouldKeepAlive = false;
      const status = writeAwsError(res, protocol, toAwsError(finalCode, protocol, text), headers);
      report.refused(
        req,
        started,
        // Before the caller is known, one label: client text never becomes a metric series.
        GATEWAY,
        finalCode,
        status,
        text,
      );
    };

    const configured = deps.config();
    if (configured === undefined) {
      refuse(
        'AWS_NOT_ALLOWED',
        'the AWS gateway is off on this listener (proxy.aws.enabled)',
        false,
      );
      return;
    }
    const aws: AwsGatewayConfig = configured;
    if (!reading.ok) {
      if (reading.reason === 'malformed')
        refuse('AWS_SIGNATURE_MALFORMED', VERIFY_FAILURES.malformed[1], true);
      else
        refuse(
          'AWS_SIGNATURE_UNSUPPORTED',
          reading.reason === 'sigv2'
            ? 'Signature Version 2 is not supported: use AWS4-HMAC-SHA256 (Signature Version 4)'
            : 'only AWS4-HMAC-SHA256 signatures are supported (not SigV4a)',
          true,
        );
      return;
    }
    const { claim } = reading;
    if (
      !REGION.test(claim.scope.region) ||
      !/^[a-z0-9][a-z0-9.-]{0,63}$/.test(claim.scope.service)
    ) {
      refuse('AWS_SIGNATURE_MALFORMED', VERIFY_FAILURES.malformed[1], true);
      return;
    }
    const secrets = deps.secrets.secretsOf(claim.service);
    if (secrets.length === 0) {
      refuse(
        'AWS_UNKNOWN_SERVICE',
        'The access key id is not a credproxy service name (AWS_ACCESS_KEY_ID must be the service name).',
        true,
      );
      return;
    }
    const mode = toPayloadMode(
      header(req, 'x-amz-content-sha256') ??
        claim.query.find((p) => p.name.toLowerCase() === 'x-amz-content-sha256')?.value,
      claim.form,
      claim.scope.service,
    );
    if (mode.kind === 'unsupported') {
      refuse(
        'AWS_UPLOAD_UNSUPPORTED',
        `x-amz-content-sha256 ${mode.value} is not supported by the credproxy gateway`,
        false,
      );
      return;
    }
    if (mode.kind === 'buffer') {
      readBody(req, aws.maxBufferedBodyBytes).then(
        (body) => {
          if (body === 'too_large') {
            refuse(
              'AWS_BODY_TOO_LARGE',
              `the body is larger than proxy.aws.max_buffered_body_bytes (${aws.maxBufferedBodyBytes})`,
              false,
            );
            return;
          }
          proceed(sha256Hex(body), body);
        },
        () => res.destroy(),
      );
      return;
    }
    proceed(mode.hash, undefined);

    function proceed(payloadHash: string, body: Buffer | undefined): void {
      const verdict = verifySignature(
        claim,
        { method: req.method ?? 'GET', path, rawHeaders: req.rawHeaders },
        payloadHash,
        secrets,
        deps.now(),
      );
      if (!verdict.ok) {
        const [code, message] = VERIFY_FAILURES[verdict.reason];
        refuse(code, message, true);
        return;
      }
      const service = claim.service;
      const awsName = claim.scope.service;
      const allowed = aws.services.includes('*') || aws.services.includes(awsName);
      // An AWS service outside the allow-list gets no pool and no label of its own.
      const origin = allowed
        ? resolveEndpoint(awsName, claim.scope.region, aws.endpoints, deps.env)
        : undefined;
      const route =
        origin === undefined
          ? deps.upstreams.refusals()
          : deps.upstreams.forEndpoint(awsName, origin);
      const operation = toOperation(
        target,
        claim.query,
        body !== undefined && protocol === 'query' ? body : undefined,
      );
      const call: Call = {
        req,
        res,
        started,
        client,
        path,
        route,
        service,
        ...(operation === undefined ? {} : { operation }),
      };
      const deny = (code: ErrorCode, message: string, headers: Record<string, string> = {}) => {
        if (!req.complete) res.shouldKeepAlive = false;
        const status = writeAwsError(res, protocol, toAwsError(code, protocol, message), headers);
        report.denied(call, code, status, message);
      };
      const denial = toDenial(deps.services().get(service), awsName, claim.scope.region, aws);
      if (denial !== undefined) {
        deny('AWS_NOT_ALLOWED', denial);
        return;
      }
      const entry = deps.credentials().get(service);
      if (entry === undefined) {
        deny('AWS_NOT_ALLOWED', `service ${service} has no assumed_role`);
        return;
      }
      if (origin === undefined) return; // toDenial refused it above
      const send = (keys: Credentials): void => {
        deps.metrics?.proxyStarted(route.name);
        forwardToAws({
          call,
          route,
          claim,
          clientKey: verdict.signingKey,
          rawQuery,
          origin,
          keys,
          mode,
          payloadHash,
          body,
          protocol,
          nowMs: deps.now(),
          done: (outcome) => report.forwarded(call, outcome),
        });
      };
      const current = entry.current();
      if (current !== undefined) {
        send(current);
        return;
      }
      // Cold: wait for the shared STS call as /v1/credentials does, then 503.
      entry.waitForCredentials(coldWaitMs).then(send, (error: unknown) => {
        const known =
          error instanceof CredproxyError
            ? error
            : new CredproxyError('INTERNAL', 'internal error');
        deny(
          known.code,
          `no credentials for service ${service} yet (${known.code}): ${known.message}`,
          { 'Retry-After': '1' },
        );
      });
    }
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
