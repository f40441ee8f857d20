import { toTokenDigest } from './tokenDigest.js';

/** Who holds a static token: a service name and the secret it presents (none: token file or JWT only). */
export interface TokenHolder {
  readonly name: string;
  readonly authToken?: string | undefined;
}

/** Tokens held elsewhere in identity (generated token files), found by their digest. */
export interface DigestLookup {
  /** The service holding the token with this SHA-256 digest (tokenDigest.ts), or undefined. */
  serviceOf(digest: string): string | undefined;
  readonly size: number;
}

/**
 * Token → service name, by SHA-256 digest. The static tokens are immutable: a reload builds a
 * new index and swaps it in one assignment, so a removed or rotated token stops matching at
 * that instant. Generated tokens come from `generated`, which rotates them in place.
 */
export interface TokenIndex {
  /** The service holding `token`, or undefined. Never compares the token as a string. */
  lookup(token: string): string | undefined;
  /** The same, from the token's digest (`toTokenDigest`) when the caller has it already. */
  lookupDigest(digest: string): string | undefined;
  readonly size: number;
}

export function createTokenIndex(
  holders: readonly TokenHolder[],
  generated?: DigestLookup,
): TokenIndex {
  const byDigest = new Map<string, string>();
  for (const holder of holders) {
    if (holder.authToken !== undefined) byDigest.set(toTokenDigest(holder.authToken), holder.name);
  }
  const lookupDigest = (digest: string): string | undefined =>
    byDigest.get(digest) ?? generated?.serviceOf(digest);
  return {
    lookup: (token) => lookupDigest(toTokenDigest(token)),
    lookupDigest,
    get size() {
      return byDigest.size + (generated?.size ?? 0);
    },
  };
}
