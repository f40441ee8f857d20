import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsGatewayConfig } from '../../src/config/doorTypes.js';
import type { ServiceConfig } from '../../src/config/types.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import {
  type InProcess,
  type InProcessOptions,
  startInProcess,
} from '../helpers/startInProcess.js';

export const AGENT_TOKEN = 'agent-token-gw-7f3c9a1e5b2d4c6f8a0b1c2d3e4f5a6b';

/** A service that may use the gateway, with a role. */
export function makeGatewayService(
  name: string,
  token: string,
  overrides: Partial<ServiceConfig> = {},
): ServiceConfig {
  return makeService(name, { authToken: token, awsGateway: true, ...overrides });
}

export function makeAws(
  upstream: string,
  overrides: Partial<AwsGatewayConfig> = {},
): AwsGatewayConfig {
  return {
    enabled: true,
    services: ['*'],
    endpoints: { s3: upstream, sts: upstream, dynamodb: upstream, sqs: upstream },
    maxBufferedBodyBytes: 10 * 1024 * 1024,
    ...overrides,
  };
}

/** A sidecar in process with the gateway on (no routes) and a fake STS and clock. */
export async function startGateway(
  services: ServiceConfig[],
  aws: AwsGatewayConfig,
  options: InProcessOptions = {},
): Promise<InProcess & { readonly gateway: string }> {
  const config = makeConfig(services, { proxy: { host: '127.0.0.1', port: 0, routes: [], aws } });
  const t = await startInProcess(config, options);
  return Object.assign(t, { gateway: t.egressUrl ?? '' });
}

export interface SignedCall {
  readonly method?: string;
  readonly path?: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly service: string;
  readonly region?: string;
  readonly accessKeyId: string;
  readonly secret: string;
  readonly signingDate: Date;
}

/** Signs a request with @smithy/signature-v4 (an SDK's own signer) for `gateway`. */
export async function signFor(
  gateway: string,
  call: SignedCall,
): Promise<{ url: string; init: RequestInit; headers: Record<string, string> }> {
  const url = new URL(gateway);
  const signer = new SignatureV4({
    service: call.service,
    region: call.region ?? 'us-east-1',
    credentials: { accessKeyId: call.accessKeyId, secretAccessKey: call.secret },
    sha256: Sha256,
    uriEscapePath: call.service !== 's3',
    applyChecksum: call.service === 's3',
  });
  const headers: Record<string, string> = { host: url.host, ...call.headers };
  const signed = await signer.sign(
    {
      method: call.method ?? 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: call.path ?? '/',
      query: call.query ?? {},
      headers,
      ...(call.body === undefined ? {} : { body: call.body }),
    },
    { signingDate: call.signingDate },
  );
  const query = new URLSearchParams(call.query ?? {}).toString().replace(/\+/g, '%20');
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    if (name !== 'host') sent[name] = String(value);
  }
  return {
    url: `${gateway}${call.path ?? '/'}${query === '' ? '' : `?${query}`}`,
    init: {
      method: call.method ?? 'POST',
      headers: sent,
      ...(call.body === undefined ? {} : { body: call.body }),
    },
    headers: sent,
  };
}
