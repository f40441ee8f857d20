import { createSecureContext, type SecureContext } from 'node:tls';
import { createLeafSigner, issueLeafCertificate, type LeafSigner } from './issueLeafCertificate.js';
import type { CertificateAuthority } from './readCertificateAuthority.js';

/** Hosts whose certificates are kept; the least recently used goes first past this. */
export const MAX_CACHED_LEAVES = 1_000;
/** A leaf this close to its end is replaced on its next use (a long-running sidecar). */
const RENEW_BEFORE_MS = 7 * 86_400_000;

export interface LeafCache {
  /** The TLS context presenting `host`'s leaf: issued on first use, then reused. */
  contextFor(host: string): Promise<SecureContext>;
  readonly size: () => number;
}

interface Entry {
  readonly context: Promise<SecureContext>;
  /** Until the leaf is issued, Infinity: concurrent first connections share one issuance. */
  notAfterMs: number;
}

/**
 * Per-host leaf certificates, bounded (LRU over MAX_CACHED_LEAVES hosts). Concurrent first
 * connections to a host wait for one issuance; a failed issuance is not cached.
 */
export function createLeafCache(deps: {
  readonly ca: CertificateAuthority;
  readonly now: () => number;
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  readonly onSize?: (size: number) => void;
  readonly maxEntries?: number;
}): LeafCache {
  const entries = new Map<string, Entry>();
  let signer: Promise<LeafSigner> | undefined;
  const max = deps.maxEntries ?? MAX_CACHED_LEAVES;

  function issue(host: string): Entry {
    signer ??= createLeafSigner(deps.ca);
    const entry: Entry = {
      notAfterMs: Number.POSITIVE_INFINITY,
      context: signer
        .then((s) => issueLeafCertificate(s, host, deps.now()))
        .then(
          (leaf) => {
            entry.notAfterMs = leaf.notAfterMs;
            return createSecureContext({
              key: leaf.keyPem,
              cert: leaf.certChainPem,
              minVersion: deps.minVersion,
            });
          },
          (error: unknown) => {
            if (entries.get(host) === entry) entries.delete(host);
            deps.onSize?.(entries.size);
            throw error;
          },
        ),
    };
    return entry;
  }

  return {
    contextFor(host) {
      let entry = entries.get(host);
      if (entry !== undefined) {
        entries.delete(host);
        if (entry.notAfterMs - RENEW_BEFORE_MS <= deps.now()) entry = undefined;
      }
      if (entry === undefined) {
        entry = issue(host);
        if (entries.size >= max) {
          const oldest = entries.keys().next().value;
          if (oldest !== undefined) entries.delete(oldest);
        }
      }
      entries.set(host, entry);
      deps.onSize?.(entries.size);
      return entry.context;
    },
    size: () => entries.size,
  };
}
