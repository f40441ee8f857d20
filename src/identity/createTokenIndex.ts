import { toTokenDigest } from './tokenDigest.js';

/** Who holds a token: a service name and the secret it presents (none: JWT only). */
export interface TokenHolder {
  readonly name: string;
  readonly authToken?: string;
}

/**
 * Token → service name, by SHA-256 digest. Immutable: a reload builds a new index and swaps it
 * in one assignment, so a removed or rotated token stops matching at that instant.
 */
export interface TokenIndex {
  /** The service holding `token`, or undefined. Never compares the token as a string. */
  lookup(token: string): string | undefined;
  /** The same, from the token's digest (`toTokenDigest`) when the caller has it already. */
  lookupDigest(digest: string): string | undefined;
  readonly size: number;
}

export function createTokenIndex(holders: readonly TokenHolder[]): TokenIndex {
  const byDigest = new Map<string, string>();
  for (const holder of holders) {
    if (holder.authToken !== undefined) byDigest.set(toTokenDigest(holder.authToken), holder.name);
  }
  return {
    lookup: (token) => byDigest.get(toTokenDigest(token)),
    lookupDigest: (digest) => byDigest.get(digest),
    size: byDigest.size,
  };
}
