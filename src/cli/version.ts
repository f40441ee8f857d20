import { readFileSync } from 'node:fs';

/** package.json sits two levels up from both src/cli/ and dist/cli/. */
const PACKAGE_URL = new URL('../../package.json', import.meta.url);

export function readVersion(): string {
  const manifest = JSON.parse(readFileSync(PACKAGE_URL, 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}
