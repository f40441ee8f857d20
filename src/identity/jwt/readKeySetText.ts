import { readFile, stat } from 'node:fs/promises';
import type { JwtKeySource } from '../../config/identityTypes.js';
import { KeySetError } from './parseKeySet.js';

export const JWKS_FETCH_TIMEOUT_MS = 5_000;
/** A key set larger than this is refused: real ones are a few kilobytes. */
export const MAX_KEY_SET_BYTES = 1_048_576;

/** A key source that is read (a file or a URL), not given in the config. */
export type ReadableKeySource = Exclude<JwtKeySource, { kind: 'shared_secret' }>;

/** What one read found: the text, and for a file what identifies this version of it. */
export interface KeySetText {
  readonly text: string;
  readonly statKey?: string;
}

/**
 * Reads an issuer's key material: a file (size-capped, with its stat identity so a later check
 * can skip an unchanged file), or a URL (no redirects, a timeout, size-capped). I/O only; the
 * text is parsed by `parseKeySet`.
 */
export async function readKeySetText(
  source: ReadableKeySource,
  fetchImpl: typeof fetch = fetch,
): Promise<KeySetText> {
  if (source.kind === 'jwks_url') {
    const response = await fetchImpl(source.url, {
      redirect: 'error',
      signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS),
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new KeySetError(`HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_KEY_SET_BYTES) throw new KeySetError('key set too large');
    return { text };
  }
  const info = await stat(source.path);
  if (info.size > MAX_KEY_SET_BYTES) throw new KeySetError('key file too large');
  return { text: await readFile(source.path, 'utf8'), statKey: toStatKey(info) };
}

/** Identifies a version of a file without reading it: a check every few seconds is a stat. */
export async function readStatKey(path: string): Promise<string | undefined> {
  try {
    return toStatKey(await stat(path));
  } catch {
    return undefined;
  }
}

function toStatKey(info: { mtimeMs: number; size: number; ino: number }): string {
  return `${info.mtimeMs}:${info.size}:${info.ino}`;
}
