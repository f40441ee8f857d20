import { createHash } from 'node:crypto';

/**
 * Tokens are looked up by their SHA-256 digest, never compared as strings: a map lookup on a
 * digest tells a timing attacker nothing about how close a guess was to a real token.
 */
export function toTokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64');
}
