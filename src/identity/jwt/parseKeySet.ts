import { createPublicKey } from 'node:crypto';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';

/** A key set that cannot be used; the message is ours and never quotes the key material. */
export class KeySetError extends Error {
  override readonly name = 'KeySetError';
}

/** Keys ready for jose: a key function and how many keys it holds (for metrics). */
export interface ParsedKeySet {
  readonly getKey: JWTVerifyGetKey;
  readonly keys: number;
}

/**
 * Turns key material into jose's key function: a JSON Web Key Set (keys chosen by `kid`, `kty`
 * and `alg`; jose refuses a symmetric key or an HMAC algorithm in a set), or one PEM public key
 * (tokens need no `kid`). Throws on anything else; the message never quotes the text.
 */
export function parseKeySet(kind: 'jwks' | 'pem', text: string): ParsedKeySet {
  if (kind === 'pem') {
    let key: ReturnType<typeof createPublicKey>;
    try {
      key = createPublicKey(text);
    } catch {
      throw new KeySetError('not a PEM public key');
    }
    return { getKey: async () => key, keys: 1 };
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new KeySetError('not JSON');
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new KeySetError('not a JSON Web Key Set');
  return {
    getKey: createLocalJWKSet(document as Parameters<typeof createLocalJWKSet>[0]),
    keys: keys.length,
  };
}
