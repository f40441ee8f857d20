import type { RouteAllowRule } from '../config/doorTypes.js';

/** Something with a prefix: a compiled route. */
export interface Prefixed {
  readonly path: string;
}

/**
 * The route whose prefix matches `path` on a segment boundary (`/anthropic` matches
 * `/anthropic` and `/anthropic/v1`, not `/anthropicx`), the longest first. `routes` must be
 * sorted by prefix length, longest first. `rest` is what follows the prefix (`` or `/v1`).
 */
export function matchRoute<T extends Prefixed>(
  routes: readonly T[],
  path: string,
): { readonly route: T; readonly rest: string } | undefined {
  for (const route of routes) {
    const prefix = route.path;
    if (prefix === '/') return { route, rest: path };
    if (path === prefix) return { route, rest: '' };
    if (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47 /* / */) {
      return { route, rest: path.slice(prefix.length) };
    }
  }
  return undefined;
}

/** Longest prefix first, so the first match is the most specific one. */
export function byPrefixLength<T extends Prefixed>(a: T, b: T): number {
  return b.path.length - a.path.length;
}

/**
 * Whether a route's allow list lets `method` on `rest` (the path after the prefix; `` counts as
 * `/`) through. No list lets everything through. A path ending in `/*` allows what lies under it.
 */
export function isAllowed(
  allow: readonly RouteAllowRule[] | undefined,
  method: string,
  rest: string,
): boolean {
  if (allow === undefined) return true;
  const path = rest === '' ? '/' : rest;
  return allow.some(
    (rule) =>
      (rule.methods === undefined || rule.methods.includes(method)) &&
      (rule.paths === undefined || rule.paths.some((allowed) => pathMatches(allowed, path))),
  );
}

function pathMatches(allowed: string, path: string): boolean {
  return allowed.endsWith('/*') ? path.startsWith(allowed.slice(0, -1)) : path === allowed;
}

/** The upstream path: the base path, then what followed the prefix (`/` when both are empty). */
export function toUpstreamPath(basePath: string, rest: string, query: string): string {
  const path = `${basePath}${rest}`;
  return `${path === '' ? '/' : path}${query}`;
}
