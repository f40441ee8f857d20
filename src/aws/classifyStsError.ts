import type { ErrorCode } from '../errorCodes.js';
import { CredentialsUnavailableError } from '../errors.js';

/**
 * Sorts an error from the SDK or STS into credproxy's codes, where it enters. Transient
 * failures are retried soon and the last good set stays in service; final ones are surfaced
 * and retried only after a long backoff, so credproxy never hammers STS with a call that
 * cannot succeed. Messages name the STS error code, never a value from the request.
 */

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'PriorRequestNotComplete',
]);
const SOURCE_INVALID = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'IncompleteSignature',
  'AuthFailure',
]);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'RegionDisabledException']);
const INVALID_REQUEST = new Set([
  'ValidationError',
  'ValidationException',
  'MalformedPolicyDocument',
  'MalformedPolicyDocumentException',
  'PackedPolicyTooLarge',
  'PackedPolicyTooLargeException',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'MissingParameter',
  'InvalidIdentityToken',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

interface Classification {
  readonly code: ErrorCode;
  readonly transient: boolean;
  readonly message: string;
}

/**
 * What AssumeRoleWithWebIdentity answers for a token that is malformed, expired or not (yet)
 * trusted. The kubelet rewrites a projected token well before it expires, so these are worth a
 * quick retry with the file read again, as the SDKs' web-identity providers do.
 */
const WEB_IDENTITY_TOKEN_REJECTED = new Set([
  'InvalidIdentityToken',
  'InvalidIdentityTokenException',
  'ExpiredToken',
  'ExpiredTokenException',
]);
/** The identity provider could not be reached by STS: botocore retries it (sts, _retry.json). */
const IDP_UNAVAILABLE = new Set(['IDPCommunicationError', 'IDPCommunicationErrorException']);

/** What the call carried that changes what a failure means. */
export interface StsCallShape {
  /** The call was AssumeRoleWithWebIdentity: a refused token is transient, not final. */
  readonly webIdentity?: boolean;
  /** The call had session tags or a SourceIdentity: the trust policy must allow more. */
  readonly tagged?: boolean;
  /** `credentials.request_timeout`: a timeout then says which phase ran out of it. */
  readonly requestTimeoutSeconds?: number;
}

export function classifyStsError(error: unknown, call: StsCallShape = {}): Classification {
  const name = readString(error, 'name') ?? readString(error, 'Code') ?? '';
  const status = readStatus(error);
  const errno = readString(error, 'code') ?? '';
  const phase = timeoutPhaseOf(error);

  if (name === 'CredentialsProviderError' || name === 'ProviderError') {
    return {
      code: 'NO_SOURCE_CREDENTIALS',
      transient: false,
      message:
        'no source credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) ' +
        "in credproxy's environment, or configure iam_keys or iam_profile",
    };
  }
  if (call.webIdentity === true && WEB_IDENTITY_TOKEN_REJECTED.has(name)) {
    // STS's message may quote claims of the token: only the error name is kept.
    return {
      code: 'WEB_IDENTITY_TOKEN_REJECTED',
      transient: true,
      message: `STS refused the web identity token (${name}); retrying with the token file read again`,
    };
  }
  if (call.webIdentity === true && IDP_UNAVAILABLE.has(name)) {
    return {
      code: 'STS_UNAVAILABLE',
      transient: true,
      message: `STS could not reach the identity provider (${name})`,
    };
  }
  if (THROTTLING.has(name) || status === 429) {
    return { code: 'STS_THROTTLED', transient: true, message: `STS throttled the call (${name})` };
  }
  if (SOURCE_INVALID.has(name)) {
    return {
      code: 'SOURCE_CREDENTIALS_INVALID',
      transient: false,
      message: `STS rejected the source credentials (${name})`,
    };
  }
  if (ACCESS_DENIED.has(name) && namesTaggingAction(readString(error, 'message'))) {
    // STS names the missing action; its message also names principals, so it is not echoed.
    return {
      code: 'STS_TAG_SESSION_DENIED',
      transient: false,
      message: `STS denied AssumeRole with session tags (${name}): the role's trust policy must allow sts:TagSession (and sts:SetSourceIdentity when a source identity is passed)`,
    };
  }
  if (ACCESS_DENIED.has(name) && call.tagged === true) {
    return {
      code: 'STS_ACCESS_DENIED',
      transient: false,
      message: `STS denied AssumeRole (${name}): check the role's trust policy; this call carried session tags, so it must also allow sts:TagSession (and sts:SetSourceIdentity for a source identity)`,
    };
  }
  if (ACCESS_DENIED.has(name)) {
    return {
      code: 'STS_ACCESS_DENIED',
      transient: false,
      message: `STS denied AssumeRole (${name}): check the role's trust policy`,
    };
  }
  if (INVALID_REQUEST.has(name)) {
    return {
      code: 'STS_INVALID_REQUEST',
      transient: false,
      message: `STS rejected the AssumeRole parameters (${name})`,
    };
  }
  if (status !== undefined && status >= 500) {
    return {
      code: 'STS_UNAVAILABLE',
      transient: true,
      message: `STS answered with HTTP ${status}`,
    };
  }
  if (phase !== undefined) {
    const limit =
      call.requestTimeoutSeconds === undefined ? '' : ` ${call.requestTimeoutSeconds} s`;
    return {
      code: 'STS_UNAVAILABLE',
      transient: true,
      message:
        phase === 'connect'
          ? `connecting to STS timed out${limit === '' ? '' : ` after${limit}`} (credentials.request_timeout)`
          : `STS did not answer${limit === '' ? ' in time' : ` within${limit}`} (credentials.request_timeout)`,
    };
  }
  if (
    NETWORK_CODES.has(errno) ||
    name === 'TimeoutError' ||
    name === 'RequestTimeout' ||
    name === 'AbortError'
  ) {
    return {
      code: 'STS_UNAVAILABLE',
      transient: true,
      message: `STS could not be reached (${errno || name})`,
    };
  }
  if (status !== undefined && status >= 400) {
    return {
      code: 'STS_ERROR',
      transient: false,
      message: `STS refused the call with HTTP ${status}${name ? ` (${safeName(name)})` : ''}`,
    };
  }
  // No HTTP status: the response never arrived or could not be parsed. Worth a retry.
  return {
    code: 'STS_UNAVAILABLE',
    transient: true,
    message: `STS call failed${name ? ` (${safeName(name)})` : ''}`,
  };
}

export function toUnavailableError(
  error: unknown,
  call: StsCallShape = {},
): CredentialsUnavailableError {
  // Already classified where it arose (a missing profile, see fromSourceCredentials).
  if (error instanceof CredentialsUnavailableError) return error;
  const { code, transient, message } = classifyStsError(error, call);
  return new CredentialsUnavailableError(code, message, transient, { cause: error });
}

/**
 * Which of the SDK's timers ended the call (@smithy/node-http-handler, TimeoutError): the
 * connect timer's message says the socket "did not establish a connection"; the request
 * timer's names the "requestTimeout" and carries code ETIMEDOUT; a socket idle past its
 * timeout says "of inactivity". Other TimeoutErrors (a reset socket renamed) are not timeouts.
 */
function timeoutPhaseOf(error: unknown): 'connect' | 'response' | undefined {
  if (readString(error, 'name') !== 'TimeoutError') return undefined;
  const message = readString(error, 'message') ?? '';
  if (message.includes('did not establish a connection')) return 'connect';
  if (message.includes('requestTimeout') || message.includes('of inactivity')) return 'response';
  return undefined;
}

function namesTaggingAction(message: string | undefined): boolean {
  return message !== undefined && /sts:(TagSession|SetSourceIdentity)\b/.test(message);
}

function readString(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : undefined;
}

function readStatus(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const metadata = (value as { $metadata?: unknown }).$metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const status = (metadata as { httpStatusCode?: unknown }).httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Error names are identifiers; anything else (a garbage body) is not echoed. */
function safeName(name: string): string {
  return /^[A-Za-z][A-Za-z0-9._-]{0,63}$/.test(name) ? name : 'unrecognised error';
}
