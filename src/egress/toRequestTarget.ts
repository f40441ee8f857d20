/** A request target split for routing, or why it is refused before any route is looked at. */
export type RequestTarget =
  | { readonly ok: true; readonly path: string; readonly query: string }
  | { readonly ok: false; readonly reason: string };

/** Rounds of percent-decoding tried per segment: `%252e` is `.` after two. */
const MAX_DECODE_ROUNDS = 3;

/**
 * Checks an origin-form request target (`/anthropic/v1/messages?beta=true`) and splits off the
 * query, which is forwarded verbatim. Refused: a dot segment (`.`, `..`, in any percent-encoded
 * or double-encoded form), an encoded `/` or `\`, a backslash or NUL anywhere, and malformed
 * percent-encoding. An upstream that normalizes any of these could be led outside the route's
 * prefix or past its allow list, so they never reach the matcher.
 */
export function toRequestTarget(url: string): RequestTarget {
  if (!url.startsWith('/')) {
    return refuse(
      'this listener serves routes by path (http://host:port/<route>/...), not proxy-form requests',
    );
  }
  const cut = url.indexOf('?');
  const path = cut === -1 ? url : url.slice(0, cut);
  const query = cut === -1 ? '' : url.slice(cut);
  if (path.includes('\\') || path.includes('\0') || path.includes('#')) {
    return refuse('the path holds a backslash, a NUL or a #');
  }
  for (const segment of path.split('/')) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) return refuse(problem);
  }
  return { ok: true, path, query };
}

function segmentProblem(segment: string): string | undefined {
  let current = segment;
  for (let round = 0; round <= MAX_DECODE_ROUNDS; round += 1) {
    if (current === '.' || current === '..') return 'the path holds a dot segment (. or ..)';
    if (round > 0 && (current.includes('/') || current.includes('\\') || current.includes('\0'))) {
      return 'the path holds an encoded slash, backslash or NUL';
    }
    if (!current.includes('%')) return undefined;
    try {
      current = decodeURIComponent(current);
    } catch {
      // Only the path as sent must decode; once decoded, a lone % (`100%25` → `100%`) hides
      // nothing a second decoding could turn into a dot or a slash.
      return round === 0 ? 'the path holds malformed percent-encoding' : undefined;
    }
  }
  return 'the path is percent-encoded more than three times over';
}

function refuse(reason: string): RequestTarget {
  return { ok: false, reason };
}
