import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { ERROR_HEADER } from '../egress/writeEgressError.js';
import type { ErrorCode } from '../errorCodes.js';

/** How the calling SDK parses an error: from the request's shape (see toProtocol). */
export type AwsProtocol = 'json' | 's3' | 'query';

/**
 * An error the gateway makes itself, in the shape the SDK parses for the protocol, so the user
 * reads `SignatureDoesNotMatch: ...` rather than a parse failure: S3 `<Error>`, query
 * `<ErrorResponse><Error>`, JSON `{"__type","message"}` with `x-amzn-ErrorType`. The credproxy
 * code goes in `x-credproxy-error`. `awsCode` and `message` are fixed text, never client input.
 */
export function writeAwsError(
  res: ServerResponse,
  protocol: AwsProtocol,
  error: AwsError,
  headers: Record<string, string> = {},
): number {
  const requestId = randomUUID();
  const { status, awsCode, message } = error;
  let contentType: string;
  let body: string;
  if (protocol === 'json') {
    contentType = 'application/x-amz-json-1.0';
    body = JSON.stringify({ __type: awsCode, message, Message: message });
    headers = { ...headers, 'x-amzn-ErrorType': awsCode, 'x-amzn-RequestId': requestId };
  } else if (protocol === 's3') {
    contentType = 'application/xml';
    body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${awsCode}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`;
    headers = { ...headers, 'x-amz-request-id': requestId };
  } else {
    contentType = 'text/xml';
    const type = status >= 500 ? 'Receiver' : 'Sender';
    body = `<ErrorResponse><Error><Type>${type}</Type><Code>${awsCode}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    headers = { ...headers, 'x-amzn-RequestId': requestId };
  }
  const bytes = Buffer.from(body);
  const head: Record<string, string | number> = {
    'Content-Type': contentType,
    ...headers,
    [ERROR_HEADER]: error.code,
    'Content-Length': bytes.length,
  };
  if (!res.shouldKeepAlive) head.Connection = 'close';
  res.writeHead(status, head);
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
  return status;
}

/** One refusal: credproxy's code (docs/errors.md), the AWS code and status an SDK expects. */
export interface AwsError {
  readonly code: ErrorCode;
  readonly awsCode: string;
  readonly status: number;
  readonly message: string;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The protocol of a request, for the error shape: JSON when it says so (`x-amz-target`, an
 * `application/x-amz-json` body), S3 by its signing name, else query (STS, SQS's older form).
 */
export function toProtocol(
  service: string | undefined,
  target: string | undefined,
  contentType: string | undefined,
): AwsProtocol {
  if (target !== undefined || contentType?.startsWith('application/x-amz-json') === true) {
    return 'json';
  }
  if (service === 's3' || service === undefined) return 's3';
  return 'query';
}
