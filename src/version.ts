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

/** The Node.js LTS line to recommend: Active LTS since October 2025. */
export const RECOMMENDED_NODE_MAJOR = 24;
/** Node.js majors below this are past end of life (Node 20 ended on 2026-04-30). */
const OLDEST_SUPPORTED_NODE_MAJOR = 22;

/**
 * The one line credproxy logs at start on a Node.js past end of life (`process.version`, e.g.
 * `v20.19.5`), in place of the AWS SDK's 8-line warning; undefined on a supported one.
 */
export function nodeSupportWarning(nodeVersion: string): string | undefined {
  const major = Number.parseInt(nodeVersion.replace(/^v/, ''), 10);
  if (!Number.isInteger(major) || major >= OLDEST_SUPPORTED_NODE_MAJOR) return undefined;
  return `Node.js ${nodeVersion} is past end of life; credproxy supports it, but run the current LTS (${RECOMMENDED_NODE_MAJOR})`;
}
