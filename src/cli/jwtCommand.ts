import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { CredproxyError } from '../errors.js';
import { EXIT_OK } from './exitCodes.js';

/**
 * `credproxy jwt keygen` and `credproxy jwt mint`: an ES256 signing key and its public JWKS,
 * and compact JWTs signed with it, for orchestrators and tests. Imported only when a `jwt`
 * command runs, so nothing else loads jose. A private key is written with mode 0600 and never
 * printed.
 */

export const PRIVATE_KEY_FILE = 'jwt-signing-key.pem';
export const JWKS_FILE = 'jwks.json';
const KEYGEN_ALG = 'ES256';

export async function runKeygen(
  options: { readonly out: string },
  stdout: (text: string) => void,
): Promise<number> {
  const dir = resolve(options.out);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { publicKey, privateKey } = await generateKeyPair(KEYGEN_ALG, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const keyFile = join(dir, PRIVATE_KEY_FILE);
  const jwksFile = join(dir, JWKS_FILE);
  try {
    // 'wx': an existing key is never overwritten (tokens signed with it would stop verifying).
    await writeFile(keyFile, await exportPKCS8(privateKey), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') {
      throw new CredproxyError(
        'USAGE',
        `${keyFile} already exists: choose another --out directory or remove it first`,
      );
    }
    throw new CredproxyError('JWT_KEY_INVALID', `cannot write ${keyFile}`, { cause: error });
  }
  const jwks = { keys: [{ ...jwk, kid, alg: KEYGEN_ALG, use: 'sig' }] };
  await writeFile(jwksFile, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o644 });
  stdout(`private key: ${keyFile} (mode 0600, ${KEYGEN_ALG}; give it to the token issuer only)\n`);
  stdout(
    `public JWKS: ${jwksFile} (kid ${kid}; point identity.jwt.issuers.<name>.jwks_file here)\n`,
  );
  return EXIT_OK;
}

export interface MintOptions {
  readonly key: string;
  readonly issuer: string;
  readonly audience: string;
  readonly claim: readonly string[];
  readonly ttl: string;
  readonly subject?: string;
}

/**
 * Prints one compact JWT, with no trailing newline: `credproxy jwt mint ... > token` makes a
 * token file every SDK can read (a newline in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE breaks
 * them all). `kid` is the JWK thumbprint of the key's public half, as keygen's JWKS has it.
 */
export async function runMint(
  options: MintOptions,
  stdout: (text: string) => void,
  nowMs: number = Date.now(),
): Promise<number> {
  const ttlSeconds = parseTtl(options.ttl);
  const claims = toClaims(options.claim);
  const privateKey = await readPrivateKey(options.key);
  const alg = algorithmOf(privateKey);
  const kid = await calculateJwkThumbprint(await exportJWK(createPublicKey(privateKey)));
  const iat = Math.floor(nowMs / 1000);
  let builder = new SignJWT(claims)
    .setProtectedHeader({ alg, kid, typ: 'JWT' })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds);
  if (options.subject !== undefined) builder = builder.setSubject(options.subject);
  stdout(await builder.sign(privateKey));
  return EXIT_OK;
}

const TTL = /^(\d+)(s|m|h|d)?$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `900`, `900s`, `15m`, `1h`, `1d` → seconds. */
export function parseTtl(raw: string): number {
  const match = TTL.exec(raw.trim());
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) {
    throw new CredproxyError('USAGE', '--ttl must be a duration such as 900, 900s, 15m, 1h or 1d');
  }
  return seconds;
}

/** `key=value` (a string claim) or `key:=JSON` (any JSON value, e.g. a nested object). */
export function toClaims(entries: readonly string[]): JWTPayload {
  const claims: Record<string, unknown> = {};
  for (const entry of entries) {
    const json = /^([^=:]+):=(.*)$/s.exec(entry);
    const text = /^([^=]+)=(.*)$/s.exec(entry);
    if (json?.[1] !== undefined && json[2] !== undefined) {
      try {
        claims[json[1]] = JSON.parse(json[2]);
      } catch {
        throw new CredproxyError('USAGE', `--claim ${json[1]}:= must be followed by valid JSON`);
      }
    } else if (text?.[1] !== undefined && text[2] !== undefined) {
      claims[text[1]] = text[2];
    } else {
      throw new CredproxyError('USAGE', '--claim must be key=value or key:=JSON');
    }
  }
  return claims;
}

async function readPrivateKey(file: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(file, 'utf8'));
  } catch (error) {
    // Never the file's content: it is a private key.
    throw new CredproxyError('JWT_KEY_INVALID', `${file} is not a readable PEM private key`, {
      cause: error,
    });
  }
  return key;
}

function algorithmOf(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (type === 'rsa') return 'RS256';
  if (type === 'ed25519') return 'EdDSA';
  throw new CredproxyError(
    'JWT_KEY_INVALID',
    'the private key must be EC P-256 (ES256), RSA (RS256) or Ed25519 (EdDSA)',
  );
}
