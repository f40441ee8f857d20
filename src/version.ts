import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from './paths.js';

/** The package version, read once from package.json (at the package root). */
export const VERSION: string = readVersion();

function readVersion(): string {
  try {
    const text = readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8');
    const parsed: unknown = JSON.parse(text);
    const version = (parsed as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
