/** What a code means; `status` is the HTTP status of a response carrying it. */
export interface ErrorInfo {
  readonly description: string;
  readonly status?: number;
}

/**
 * Every error credproxy raises carries a stable `code`. Codes are public API: they appear in
 * HTTP error bodies, log lines and `--validate-only --format json`, and `docs/errors.md`
 * lists each one with its HTTP status (a test keeps the two in step). The catalog is the one
 * place a code's status is decided: http/ translates errors to responses from it.
 */
export const ERROR_CODES = {
  // Configuration (exit code 1 at start or from --validate-only).
  CONFIG_NOT_FOUND: { description: 'The configuration file does not exist.' },
  CONFIG_UNREADABLE: { description: 'The configuration file exists but cannot be read.' },
  CONFIG_PARSE: { description: 'The configuration file is not valid YAML or JSON.' },
  CONFIG_EMPTY: { description: 'The configuration file is empty.' },
  CONFIG_NOT_MAPPING: {
    description: 'The configuration file is not a mapping (for example a list or a scalar).',
  },
  CONFIG_INVALID: { description: 'The configuration breaks the schema or a configuration rule.' },
  CONFIG_TOO_LARGE: {
    description: 'A dynamic service file is larger than dynamic_services.max_file_bytes.',
  },
  SUBSTITUTION_FAILED: { description: 'A fromEnv or fromFile substitution cannot be resolved.' },
  // Command line and process.
  USAGE: { description: 'The command line is malformed (exit code 2).' },
  JWT_KEY_INVALID: {
    description:
      'credproxy jwt keygen or mint: the private key file cannot be written, read or used.',
  },
  PORT_IN_USE: { description: 'A listening port is already taken by another process.' },
  LISTEN_FAILED: { description: 'A listener could not be opened for another reason.' },
  CREDENTIALS_FETCH_FAILED: {
    description:
      'credproxy credential-process got no credentials from the endpoint (unreachable, refused, malformed).',
  },
  TOKEN_FILE_FAILED: {
    description:
      "A static service's token file could not be written at start (directory, permissions).",
  },
  // HTTP credential endpoint.
  MISSING_TOKEN: { status: 401, description: 'The request carries no Authorization header (401).' },
  INVALID_TOKEN: { status: 403, description: 'The Authorization header matches no service (403).' },
  JWT_INVALID: {
    status: 401,
    description:
      'The token is a JWT that does not verify: signature, issuer, audience, expiry, lifetime (401). The log line says which.',
  },
  JWT_FORBIDDEN: {
    status: 403,
    description:
      'The JWT is valid but may act as no service, or its claims cannot become session tags (403).',
  },
  JWT_KEYS_UNAVAILABLE: {
    status: 503,
    description: "The JWT issuer's keys could not be loaded yet (503, with Retry-After).",
  },
  RATE_LIMITED: {
    status: 429,
    description: 'Too many failed token attempts from this client address (429).',
  },
  NOT_FOUND: { status: 404, description: 'No such path (404).' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    description: 'The path exists but not for this method (405).',
  },
  BAD_REQUEST: { status: 400, description: 'The request is malformed (400).' },
  EXPECTATION_FAILED: {
    status: 417,
    description: 'The request has an Expect header other than 100-continue (417).',
  },
  // IMDSv2-compatible listeners.
  IMDS_TOKEN_REQUIRED: {
    status: 401,
    description: 'A metadata read without a session token on a listener that refuses IMDSv1 (401).',
  },
  IMDS_TOKEN_INVALID: {
    status: 401,
    description: 'The IMDS session token is unknown, expired or from another listener (401).',
  },
  IMDS_TTL_INVALID: {
    status: 400,
    description: 'A session token request without a TTL header from 1 to 21600 seconds (400).',
  },
  IMDS_FORWARDED: {
    status: 403,
    description: 'A session token request carrying X-Forwarded-For: it came through a proxy (403).',
  },
  NOT_READY: {
    status: 503,
    description: 'GET /ready: some services have no usable credentials yet (503).',
  },
  // Credentials unavailable (503): transient, retried in the background.
  CREDENTIALS_PENDING: {
    status: 503,
    description: 'The first AssumeRole for this service has not completed yet.',
  },
  STS_THROTTLED: {
    status: 503,
    description: 'STS throttled the AssumeRole call; credproxy retries with backoff.',
  },
  STS_UNAVAILABLE: {
    status: 503,
    description: 'STS could not be reached, timed out or answered with a server error.',
  },
  WEB_IDENTITY_TOKEN_REJECTED: {
    status: 503,
    description:
      'STS refused the web identity token (invalid or expired); retried soon, since the token file is rewritten.',
  },
  WEB_IDENTITY_TOKEN_UNREADABLE: {
    status: 503,
    description: 'The web identity token file is missing, unreadable or empty; retried soon.',
  },
  // Credentials unavailable (503): final, retried only after a long backoff.
  NO_SOURCE_CREDENTIALS: {
    status: 503,
    description: 'No source credentials were found to call STS with.',
  },
  SOURCE_CREDENTIALS_INVALID: {
    status: 503,
    description: 'STS rejected the source credentials (expired, unknown or mis-signed).',
  },
  STS_ACCESS_DENIED: { status: 503, description: 'The source principal may not assume the role.' },
  STS_TAG_SESSION_DENIED: {
    status: 503,
    description:
      "STS refused the session tags or source identity: the role's trust policy lacks sts:TagSession or sts:SetSourceIdentity.",
  },
  STS_INVALID_REQUEST: {
    status: 503,
    description: 'STS rejected the AssumeRole parameters (role ARN, policy, tags, ...).',
  },
  STS_ERROR: { status: 503, description: 'STS failed in a way credproxy does not recognise.' },
  // Egress routes (proxy.routes): errors the proxy answers itself, never forwarded upstream.
  ROUTE_NOT_FOUND: { status: 404, description: 'No route matches the request path (404).' },
  ROUTE_NOT_ALLOWED: {
    status: 403,
    description: "The route is not in the calling service's routes list (403).",
  },
  REQUEST_NOT_ALLOWED: {
    status: 403,
    description: "The method or path is not in the route's allow list (403).",
  },
  PATH_REFUSED: {
    status: 400,
    description:
      'The path holds a dot segment, an encoded slash or backslash, a backslash or NUL, or bad percent-encoding (400).',
  },
  UPSTREAM_UNREACHABLE: {
    status: 502,
    description: 'The upstream (or the egress HTTP proxy) could not be connected to (502).',
  },
  UPSTREAM_TLS_FAILED: {
    status: 502,
    description: "The upstream's TLS certificate could not be verified (502).",
  },
  UPSTREAM_BROKEN: {
    status: 502,
    description:
      'The upstream closed the connection or answered with something that is not HTTP (502).',
  },
  UPSTREAM_TIMEOUT: {
    status: 504,
    description: 'The upstream did not connect or send response headers in time (504).',
  },
  // Forward proxy (forward_proxy): answered on the CONNECT or the plain request itself.
  PROXY_AUTH_REQUIRED: {
    status: 407,
    description:
      'The forward proxy got no Proxy-Authorization, or one whose service name and token do not match (407).',
  },
  HOST_NOT_ALLOWED: {
    status: 403,
    description:
      'No forward rule the service may use and no tunnel_hosts entry covers the host, and otherwise is deny; or the host is covered but not on this port (403).',
  },
  RULE_NOT_ALLOWED: {
    status: 403,
    description: "The host's forward rule is not in the calling service's forward_rules (403).",
  },
  PLAIN_HTTP_REFUSED: {
    status: 403,
    description:
      'A plain http:// request to an intercepted host that is not on loopback: the injected secret would cross the network in clear text (403).',
  },
  CA_KEY_EXPOSED: {
    description:
      "The forward proxy's CA key file is readable by group or others; credproxy refuses to start.",
  },
  CA_UNUSABLE: {
    description:
      "The forward proxy's CA certificate or key cannot be read, written or parsed, or they do not match.",
  },
  // AWS signing gateway (proxy.aws): answered in the protocol's own error shape (XML or JSON)
  // with an AWS error code; nothing was forwarded.
  AWS_SIGNATURE_MISMATCH: {
    status: 403,
    description:
      "The SigV4 signature does not match one made with the service's token as secret (SignatureDoesNotMatch, 403).",
  },
  AWS_UNKNOWN_SERVICE: {
    status: 403,
    description:
      'The access key id names no credproxy service (InvalidClientTokenId; InvalidAccessKeyId for S3; 403).',
  },
  AWS_CLOCK_SKEWED: {
    status: 403,
    description:
      "X-Amz-Date is more than 5 minutes from credproxy's clock (RequestTimeTooSkewed, 403).",
  },
  AWS_PRESIGN_EXPIRED: {
    status: 403,
    description: 'A presigned URL past its X-Amz-Expires (AccessDenied, 403).',
  },
  AWS_SIGNATURE_MALFORMED: {
    status: 400,
    description:
      'The Authorization header or presigned query is not a complete SigV4 signature (AuthorizationHeaderMalformed, 400).',
  },
  AWS_SIGNATURE_UNSUPPORTED: {
    status: 400,
    description:
      'Signature Version 2, or an algorithm other than AWS4-HMAC-SHA256 such as SigV4a (InvalidRequest, 400).',
  },
  AWS_NOT_ALLOWED: {
    status: 403,
    description:
      'The gateway is off, the service lacks aws_gateway or an assumed_role, or the AWS service or region is not in proxy.aws (AccessDenied; AccessDeniedException in JSON protocols; 403).',
  },
  AWS_BODY_TOO_LARGE: {
    status: 413,
    description:
      'A body without x-amz-content-sha256 is larger than proxy.aws.max_buffered_body_bytes (RequestEntityTooLarge, 413).',
  },
  AWS_UPLOAD_UNSUPPORTED: {
    status: 501,
    description:
      'An x-amz-content-sha256 upload form the gateway does not re-sign, such as a signed trailer or SigV4a chunks (NotImplemented, 501).',
  },
  CLIENT_CLOSED: {
    description:
      'The client went away before the answer was complete; the upstream request was aborted (audit and metrics only).',
  },
  INTERNAL: {
    status: 500,
    description: 'An unexpected internal error; details are in the logs, never in the response.',
  },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Codes of configuration warnings: the config loads, but something should be fixed. Public
 * API like ERROR_CODES (`--validate-only --format json` reports them), listed in docs/errors.md.
 */
export const WARNING_CODES = {
  WEAK_TOKEN: 'An auth_token is short, one repeated character or made of common words.',
  SECRET_FILE_SHARED: 'A file feeding a secret key is readable by group or others.',
  STATIC_TOKEN_BESIDE_FILE: 'A service has an auth_token next to a token_file: it never rotates.',
  IMDS_SERVICE_UNKNOWN:
    'An imds listener names no static service (it answers 404 until one exists).',
  CLIENT_AUTH_NONE_EXPOSED: 'An egress route with client_auth: none is on a listener off loopback.',
  JWT_SHARED_SECRET: 'A JWT issuer accepts HMAC tokens signed with a shared secret.',
  JWT_ANY_TOKEN:
    'A service accepts every token of its issuer (no require_claims, no service_claim).',
} as const;

export type WarningCode = keyof typeof WARNING_CODES;
