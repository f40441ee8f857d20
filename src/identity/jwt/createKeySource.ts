import { createHash } from 'node:crypto';
import type { JWTVerifyGetKey } from 'jose';
import type { JwtIssuerConfig } from '../../config/identityTypes.js';
import type { Clock, DomainLogger, Timer } from '../../credentials/types.js';
import { KeySetError, parseKeySet } from './parseKeySet.js';
import { type ReadableKeySource, readKeySetText, readStatKey } from './readKeySetText.js';

/** A file-based key set is checked for changes this often (a stat; read only when changed). */
export const KEY_FILE_CHECK_MS = 5_000;
/** A JWKS URL is refetched this often, and sooner on an unknown kid. */
export const JWKS_URL_REFRESH_MS = 10 * 60_000;
/** After a failed JWKS fetch, the next try comes this much later. */
export const JWKS_URL_RETRY_MS = 30_000;
/**
 * A request that finds no keys loaded yet waits at most this long for the load under way, then
 * gets 503 with Retry-After (Java's SDK gives up on a read after 1 s; a slow JWKS URL may take 5).
 */
export const FIRST_LOAD_WAIT_MS = 750;
/** A token with an unknown kid triggers at most one reload per issuer in this interval. */
export const UNKNOWN_KID_COOLDOWN_MS = 10_000;

/** What happened to an issuer's keys, for metrics and cache invalidation. */
export interface KeySourceObserver {
  /**
   * A key set was loaded or confirmed unchanged (`keys` keys); `changed` when it replaced
   * another one (cached decisions made with the old keys must go).
   */
  loaded(issuer: string, keys: number, atMs: number, changed: boolean): void;
  /** A load failed; the previous keys, if any, stay in use. */
  failed(issuer: string): void;
}

/** No key set of the issuer has ever loaded: the answer is "try later", not "bad token". */
export class KeysUnavailableError extends Error {
  constructor(issuer: string) {
    super(`no keys loaded yet for issuer ${issuer}`);
    this.name = 'KeysUnavailableError';
  }
}

/** One issuer's verification keys, as jose's key function, kept current in the background. */
export interface KeySource {
  readonly getKey: JWTVerifyGetKey;
  close(): void;
}

export interface KeySourceDeps {
  readonly clock: Clock;
  readonly logger: DomainLogger;
  readonly observer: KeySourceObserver;
  /** Injected by tests; the global fetch otherwise. */
  readonly fetch?: typeof fetch;
}

interface Loaded {
  readonly digest: string;
  readonly getKey: JWTVerifyGetKey;
  readonly keys: number;
}

/**
 * Loads an issuer's keys (a JWKS file or URL, a PEM public key, a shared secret) and keeps them
 * current without a restart: files are checked every few seconds and re-read when changed, a
 * URL is refetched every ten minutes, and a token with an unknown kid triggers one early reload
 * per cooldown. A failed reload keeps the keys in use. Nothing here logs key material; a URL is
 * logged without its query.
 */
export function createKeySource(issuer: JwtIssuerConfig, deps: KeySourceDeps): KeySource {
  const { clock, observer } = deps;
  if (issuer.keys.kind === 'shared_secret') {
    const secret = new TextEncoder().encode(issuer.keys.secret);
    observer.loaded(issuer.name, 1, clock.now(), false);
    return { getKey: async () => secret, close() {} };
  }

  const source: ReadableKeySource = issuer.keys;
  let current: Loaded | undefined;
  let loading: Promise<void> | undefined;
  let lastAttemptMs = Number.NEGATIVE_INFINITY;
  let statKey: string | undefined;
  let timer: Timer | undefined;
  let closed = false;
  let failing = false;
  const where = source.kind === 'jwks_url' ? safeUrl(source.url) : source.path;

  function load(): Promise<void> {
    if (loading) return loading;
    lastAttemptMs = clock.now();
    loading = readKeySetText(source, deps.fetch)
      .then(({ text, statKey: readKey }) => {
        const digest = createHash('sha256').update(text).digest('base64');
        // Remembered only once the text parsed: a half-written file is read again next time.
        const recovered = failing;
        failing = false;
        if (current?.digest === digest) {
          statKey = readKey;
          // Confirmed unchanged (a URL refetch, a file rewritten as it was): still a refresh.
          observer.loaded(issuer.name, current.keys, clock.now(), false);
          if (recovered) {
            deps.logger.info(
              { issuer: issuer.name, from: where },
              `keys of issuer ${issuer.name} load again`,
            );
          }
          return;
        }
        const parsed = parseKeySet(source.kind === 'public_key_file' ? 'pem' : 'jwks', text);
        statKey = readKey;
        const changed = current !== undefined;
        current = { digest, getKey: parsed.getKey, keys: parsed.keys };
        observer.loaded(issuer.name, parsed.keys, clock.now(), changed);
        deps.logger.info(
          { issuer: issuer.name, keys: parsed.keys, from: where },
          `keys of issuer ${issuer.name} loaded (${parsed.keys})`,
        );
      })
      .catch((error: unknown) => {
        observer.failed(issuer.name);
        // Logged when loading starts to fail, not at every check while it keeps failing.
        if (!failing) {
          deps.logger.warn(
            { issuer: issuer.name, from: where, error: describe(error), keptPrevious: !!current },
            `keys of issuer ${issuer.name} could not be loaded from ${where}`,
          );
        }
        failing = true;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  async function check(): Promise<void> {
    if (source.kind === 'jwks_url') return load();
    const now = await readStatKey(source.path);
    // Unchanged: nothing to read. Missing: load() reports it and the keys in use stay.
    if (now !== undefined && now === statKey && current !== undefined) return;
    return load();
  }

  function schedule(): void {
    if (closed) return;
    const delay =
      source.kind !== 'jwks_url'
        ? KEY_FILE_CHECK_MS
        : current === undefined
          ? JWKS_URL_RETRY_MS
          : JWKS_URL_REFRESH_MS;
    timer = clock.setTimer(delay, () => {
      void check().finally(schedule);
    });
  }

  const first = load();
  schedule();

  return {
    async getKey(header, token) {
      if (current === undefined) await within(loading ?? first, FIRST_LOAD_WAIT_MS, clock);
      const keys = current;
      if (keys === undefined) throw new KeysUnavailableError(issuer.name);
      try {
        return await keys.getKey(header, token);
      } catch (error) {
        const unknownKid = (error as { code?: unknown }).code === 'ERR_JWKS_NO_MATCHING_KEY';
        if (!unknownKid || clock.now() - lastAttemptMs < UNKNOWN_KID_COOLDOWN_MS) throw error;
        await load();
        const reloaded = current as Loaded | undefined;
        if (reloaded === undefined || reloaded === keys) throw error;
        return reloaded.getKey(header, token);
      }
    },
    close() {
      closed = true;
      timer?.cancel();
    },
  };
}

/** A URL for logs: scheme, host and path, never a query that could carry a key. */
function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'the configured jwks_url';
  }
}

/**
 * An error for a log line: our own message, or a foreign error's class and Node code, never its
 * message (a JSON parser's may quote the content).
 */
function describe(error: unknown): string {
  if (error instanceof KeySetError) return error.message;
  if (typeof error !== 'object' || error === null) return 'unknown error';
  const { name, code } = error as { name?: unknown; code?: unknown };
  return [name, code].filter((part) => typeof part === 'string').join(' ') || 'unknown error';
}

/** Settles when `pending` does or after `ms`, whichever comes first; never rejects. */
function within(pending: Promise<void>, ms: number, clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    const timer = clock.setTimer(ms, resolve);
    void pending.finally(() => {
      timer.cancel();
      resolve();
    });
  });
}
