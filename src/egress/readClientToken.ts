/** Where a route's injected header lives, for reading the workload's token from the same place. */
export interface InjectSlot {
  /** Lower case. */
  readonly header: string;
  readonly scheme?: string;
}

/** The token a client presented, and the service name a Basic credential claimed. */
export interface PresentedToken {
  readonly token: string | undefined;
  /** `Proxy-Authorization: Basic` carries `service:token`; the name must match the token's. */
  readonly claimedService?: string;
}

/**
 * Reads the workload's credproxy token from the places an unmodified SDK puts an API key
 * (docs/egress.md): `Proxy-Authorization: Bearer <token>` or `Basic base64(service:token)`, the
 * route's own header with its scheme (`x-api-key: <token>`), then `Authorization: Bearer
 * <token>`. The first place present wins. Returns null when one of these headers appears more
 * than once: which copy a server reads differs, so two are refused, never resolved.
 */
export function readClientToken(
  rawHeaders: readonly string[],
  slot: InjectSlot,
): PresentedToken | null {
  let proxyAuthorization: string | undefined;
  let own: string | undefined;
  let authorization: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = rawHeaders[i + 1] ?? '';
    if (name === slot.header) {
      if (own !== undefined) return null;
      own = value;
    }
    if (name === 'proxy-authorization') {
      if (proxyAuthorization !== undefined) return null;
      proxyAuthorization = value;
    } else if (name === 'authorization') {
      if (authorization !== undefined) return null;
      authorization = value;
    }
  }
  if (proxyAuthorization !== undefined) return fromProxyAuthorization(proxyAuthorization);
  if (own !== undefined) {
    // A route injecting `Authorization: token ...` still takes an SDK's `Bearer <token>`.
    const bearer = slot.header === 'authorization' && /^bearer /i.test(own.trim());
    return { token: withoutScheme(own, bearer ? 'Bearer' : slot.scheme) };
  }
  if (authorization !== undefined) return { token: withoutScheme(authorization, 'Bearer') };
  return { token: undefined };
}

function fromProxyAuthorization(value: string): PresentedToken {
  if (/^basic /i.test(value.trim())) {
    const basic = withoutScheme(value, 'Basic') ?? '';
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return { token: decoded === '' ? undefined : decoded };
    return { token: decoded.slice(colon + 1), claimedService: decoded.slice(0, colon) };
  }
  return { token: withoutScheme(value, 'Bearer') };
}

/**
 * `Bearer abc` → `abc` (scheme case-insensitive). A value without the scheme is looked up as
 * it is: it matches no token unless it is one, and a wrong one counts as a failed attempt.
 */
function withoutScheme(value: string, scheme: string | undefined): string | undefined {
  const trimmed = value.trim();
  const hasScheme =
    scheme !== undefined &&
    trimmed.length > scheme.length &&
    trimmed.slice(0, scheme.length + 1).toLowerCase() === `${scheme.toLowerCase()} `;
  const token = hasScheme ? trimmed.slice((scheme ?? '').length + 1).trim() : trimmed;
  return token === '' ? undefined : token;
}
