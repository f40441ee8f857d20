import {
  calculateJwkThumbprint,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JSONWebKeySet,
  type JWTPayload,
  SignJWT,
} from 'jose';
import type { JwtIssuerConfig } from '../../src/config/identityTypes.js';

/** A signing key made by the test, with its public JWKS (kid = the key's JWK thumbprint). */
export interface TestSigner {
  readonly alg: string;
  readonly kid: string;
  readonly jwks: JSONWebKeySet;
  readonly publicPem: string;
  sign(claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
}

export async function makeSigner(alg = 'ES256'): Promise<TestSigner> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return {
    alg,
    kid,
    jwks: { keys: [{ ...jwk, kid, alg, use: 'sig' }] },
    publicPem: await exportSPKI(publicKey),
    sign: (claims, header = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT', ...header }).sign(privateKey),
  };
}

export const ISSUER = 'https://sandbox-manager.internal';
export const AUDIENCE = 'credproxy';

/** Standard claims around `nowMs`: issued now, valid for `ttlSeconds`. */
export function claimsAt(
  nowMs: number,
  extra: JWTPayload = {},
  ttlSeconds = 900,
): JWTPayload & { iat: number; exp: number } {
  const iat = Math.floor(nowMs / 1000);
  return { iss: ISSUER, aud: AUDIENCE, iat, exp: iat + ttlSeconds, ...extra };
}

/** The sandbox-model issuer: `/svc` names the service, tenant and team become tags. */
export function sandboxIssuer(overrides: Partial<JwtIssuerConfig> = {}): JwtIssuerConfig {
  return {
    name: 'sandbox',
    issuer: ISSUER,
    audiences: [AUDIENCE],
    keys: { kind: 'jwks_file', path: '/nonexistent/jwks.json' },
    serviceClaim: '/svc',
    sessionTags: [
      { key: 'Tenant', pointer: '/tenant' },
      { key: 'Team', pointer: '/team' },
    ],
    transitive: false,
    maxLifetimeSeconds: 86_400,
    algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    ...overrides,
  };
}

/** A compact JWS with `alg: none` and an empty signature, as an attacker would write it. */
export function unsignedToken(claims: JWTPayload): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}
