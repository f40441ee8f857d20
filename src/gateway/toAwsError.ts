import { ERROR_CODES, type ErrorCode, type ErrorInfo } from '../errorCodes.js';
import type { AwsError, AwsProtocol } from './writeAwsError.js';

/**
 * The AWS error code an SDK expects for each refusal, by protocol where they differ: the codes
 * AWS itself answers with (S3 says InvalidAccessKeyId where STS says InvalidClientTokenId).
 */
const AWS_CODES: Partial<Record<ErrorCode, string | Partial<Record<AwsProtocol, string>>>> = {
  AWS_SIGNATURE_MISMATCH: 'SignatureDoesNotMatch',
  AWS_UNKNOWN_SERVICE: {
    s3: 'InvalidAccessKeyId',
    json: 'UnrecognizedClientException',
    query: 'InvalidClientTokenId',
  },
  AWS_CLOCK_SKEWED: {
    s3: 'RequestTimeTooSkewed',
    json: 'InvalidSignatureException',
    query: 'RequestExpired',
  },
  AWS_PRESIGN_EXPIRED: {
    s3: 'AccessDenied',
    json: 'InvalidSignatureException',
    query: 'RequestExpired',
  },
  AWS_SIGNATURE_MALFORMED: {
    s3: 'AuthorizationHeaderMalformed',
    json: 'IncompleteSignatureException',
    query: 'IncompleteSignature',
  },
  AWS_SIGNATURE_UNSUPPORTED: {
    s3: 'InvalidRequest',
    json: 'IncompleteSignatureException',
    query: 'InvalidRequest',
  },
  AWS_NOT_ALLOWED: { s3: 'AccessDenied', json: 'AccessDeniedException', query: 'AccessDenied' },
  AWS_BODY_TOO_LARGE: 'RequestEntityTooLarge',
  AWS_UPLOAD_UNSUPPORTED: 'NotImplemented',
  RATE_LIMITED: { s3: 'SlowDown', json: 'ThrottlingException', query: 'Throttling' },
};

/** A refusal in the protocol's terms; credentials errors are ServiceUnavailable (503). */
export function toAwsError(code: ErrorCode, protocol: AwsProtocol, message: string): AwsError {
  const entry = AWS_CODES[code];
  const awsCode =
    entry === undefined
      ? 'ServiceUnavailable'
      : typeof entry === 'string'
        ? entry
        : (entry[protocol] ?? 'AccessDenied');
  const status = (ERROR_CODES[code] as ErrorInfo).status ?? 500;
  // RequestTimeTooSkewed is how botocore and JS v3 learn to correct their clock: keep 403.
  return { code, awsCode, status, message };
}
