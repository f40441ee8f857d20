import type { ServiceConfig } from '../config/types.js';
import type { ErrorCode } from '../errorCodes.js';
import type { Authentication, Authenticator } from '../identity/createAuthenticator.js';
import type { AllowedRules } from './decideForward.js';
import { readProxyCredentials } from './readProxyCredentials.js';

/** The label of the caller on a `client_auth: none` forward proxy. */
export const NO_SERVICE = '-';

export type ProxyClient =
  | {
      readonly ok: true;
      readonly service: string;
      readonly allowed: AllowedRules;
      /** The token presented, removed from anything forwarded. */
      readonly token?: string;
    }
  | {
      readonly ok: false;
      readonly code: ErrorCode;
      readonly message: string;
      readonly status?: number;
      readonly headers?: Record<string, string>;
    };

/** What a client without (good) proxy credentials is told to send. */
export const PROXY_AUTHENTICATE = { 'Proxy-Authenticate': 'Basic realm="credproxy"' };

/**
 * Who is behind a CONNECT or a plain proxy request: `Proxy-Authorization: Basic` with a service
 * name and its token, checked by the one authenticator (token index and failed-attempt
 * limiter). A token of another service than the name claims is a failed attempt too. 407 with
 * `Proxy-Authenticate: Basic` for missing or wrong credentials, 429 past the limiter.
 */
export function identifyProxyClient(
  rawHeaders: readonly string[],
  client: string,
  deps: {
    readonly clientAuth: 'token' | 'none';
    readonly authenticator: Authenticator;
    readonly services: () => ReadonlyMap<string, ServiceConfig>;
  },
): ProxyClient | Promise<ProxyClient> {
  if (deps.clientAuth === 'none') return { ok: true, service: NO_SERVICE, allowed: 'all' };
  const credentials = readProxyCredentials(rawHeaders);
  if (credentials === null) {
    return {
      ok: false,
      code: 'BAD_REQUEST',
      message: 'Proxy-Authorization appears more than once',
    };
  }
  const settle = (identity: Authentication): ProxyClient =>
    toProxyClient(identity, credentials, client, deps);
  const identity = deps.authenticator.authenticate(credentials?.token, client);
  // A JWT's first verification is asynchronous; static tokens and cached JWTs are not.
  return identity instanceof Promise ? identity.then(settle) : settle(identity);
}

function toProxyClient(
  identity: Authentication,
  credentials: { readonly service: string; readonly token: string } | undefined,
  client: string,
  deps: {
    readonly authenticator: Authenticator;
    readonly services: () => ReadonlyMap<string, ServiceConfig>;
  },
): ProxyClient {
  const failure = identity.ok
    ? identity.service === credentials?.service
      ? undefined
      : deps.authenticator.refuse('invalid_token', client)
    : identity;
  if (failure !== undefined) {
    if (failure.reason === 'rate_limited') {
      return {
        ok: false,
        code: 'RATE_LIMITED',
        message: 'too many failed proxy credential attempts from this address',
        headers: { 'Retry-After': String(failure.retryAfterSeconds) },
      };
    }
    return {
      ok: false,
      code: 'PROXY_AUTH_REQUIRED',
      message:
        failure.reason === 'missing_token'
          ? 'proxy credentials are required: HTTPS_PROXY=http://<service>:<token>@host:port'
          : 'the proxy credentials are not valid (the user name must be the service of the token)',
      headers: PROXY_AUTHENTICATE,
    };
  }
  const service = credentials?.service ?? NO_SERVICE;
  const rules = deps.services().get(service)?.forwardRules ?? [];
  return {
    ok: true,
    service,
    allowed: new Set(rules),
    ...(credentials === undefined ? {} : { token: credentials.token }),
  };
}
