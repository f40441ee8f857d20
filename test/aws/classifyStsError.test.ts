import { describe, expect, it } from 'vitest';
import { classifyStsError } from '../../src/aws/classifyStsError.js';

function stsError(name: string, status?: number): Error {
  const error = new Error(`${name} happened`);
  error.name = name;
  if (status !== undefined) Object.assign(error, { $metadata: { httpStatusCode: status } });
  return error;
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

describe('classifyStsError', () => {
  it.each([
    ['Throttling', 400, 'STS_THROTTLED', true],
    ['ThrottlingException', 400, 'STS_THROTTLED', true],
    ['RequestLimitExceeded', 400, 'STS_THROTTLED', true],
    ['SomethingNew', 429, 'STS_THROTTLED', true],
    ['InternalFailure', 500, 'STS_UNAVAILABLE', true],
    ['ServiceUnavailable', 503, 'STS_UNAVAILABLE', true],
    ['AccessDenied', 403, 'STS_ACCESS_DENIED', false],
    ['RegionDisabledException', 403, 'STS_ACCESS_DENIED', false],
    ['ExpiredToken', 400, 'SOURCE_CREDENTIALS_INVALID', false],
    ['InvalidClientTokenId', 403, 'SOURCE_CREDENTIALS_INVALID', false],
    ['SignatureDoesNotMatch', 403, 'SOURCE_CREDENTIALS_INVALID', false],
    ['ValidationError', 400, 'STS_INVALID_REQUEST', false],
    ['MalformedPolicyDocument', 400, 'STS_INVALID_REQUEST', false],
    ['PackedPolicyTooLarge', 400, 'STS_INVALID_REQUEST', false],
    ['UnknownClientError', 400, 'STS_ERROR', false],
  ])('classifies %s (HTTP %i) as %s, transient=%s', (name, status, code, transient) => {
    const result = classifyStsError(stsError(name, status));

    expect(result.code).toBe(code);
    expect(result.transient).toBe(transient);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH'])(
    'treats the network error %s as transient STS_UNAVAILABLE',
    (code) => {
      expect(classifyStsError(networkError(code))).toMatchObject({
        code: 'STS_UNAVAILABLE',
        transient: true,
      });
    },
  );

  it('treats an SDK timeout as transient', () => {
    expect(classifyStsError(stsError('TimeoutError'))).toMatchObject({
      code: 'STS_UNAVAILABLE',
      transient: true,
    });
  });

  it('reports a missing source as NO_SOURCE_CREDENTIALS with what to set, final', () => {
    const result = classifyStsError(stsError('CredentialsProviderError'));

    expect(result.code).toBe('NO_SOURCE_CREDENTIALS');
    expect(result.transient).toBe(false);
    expect(result.message).toContain('AWS_ACCESS_KEY_ID');
  });

  it('never echoes an unrecognisable error name (a garbage body) into the message', () => {
    const result = classifyStsError(stsError('<html>secret-looking garbage</html>', 418));

    expect(result.message).toBe('STS refused the call with HTTP 418 (unrecognised error)');
  });

  it('says the trust policy lacks sts:TagSession when STS names it, final, without echoing the principal', () => {
    const error = stsError('AccessDenied', 403);
    error.message =
      'User: arn:aws:iam::123456789012:user/source is not authorized to perform: sts:TagSession on resource: arn:aws:iam::123456789012:role/app';

    const result = classifyStsError(error, { tagged: true });

    expect(result).toEqual({
      code: 'STS_TAG_SESSION_DENIED',
      transient: false,
      message:
        "STS denied AssumeRole with session tags (AccessDenied): the role's trust policy must allow sts:TagSession (and sts:SetSourceIdentity when a source identity is passed)",
    });
  });

  it('adds the sts:TagSession hint to a plain AccessDenied when the call carried tags', () => {
    const result = classifyStsError(stsError('AccessDenied', 403), { tagged: true });

    expect(result.code).toBe('STS_ACCESS_DENIED');
    expect(result.message).toContain('must also allow sts:TagSession');
    expect(classifyStsError(stsError('AccessDenied', 403)).message).not.toContain('TagSession');
  });
});

describe('classifyStsError on AssumeRoleWithWebIdentity', () => {
  it.each([
    ['InvalidIdentityToken', 'WEB_IDENTITY_TOKEN_REJECTED', true],
    ['ExpiredTokenException', 'WEB_IDENTITY_TOKEN_REJECTED', true],
    ['IDPCommunicationError', 'STS_UNAVAILABLE', true],
    ['AccessDenied', 'STS_ACCESS_DENIED', false],
  ])(
    'classifies %s as %s, transient=%s (the token file is rewritten, so a refused token is retried soon)',
    (name, code, transient) => {
      const result = classifyStsError(stsError(name, 400), { webIdentity: true });

      expect(result.code).toBe(code);
      expect(result.transient).toBe(transient);
    },
  );

  it("keeps STS's message, which may quote the token's claims, out of its own", () => {
    const error = stsError('InvalidIdentityToken', 400);
    error.message = 'Incorrect token audience: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2ln';

    const result = classifyStsError(error, { webIdentity: true });

    expect(result.message).toBe(
      'STS refused the web identity token (InvalidIdentityToken); retrying with the token file read again',
    );
  });

  it('leaves InvalidIdentityToken final on any other call', () => {
    expect(classifyStsError(stsError('InvalidIdentityToken', 400))).toMatchObject({
      code: 'STS_INVALID_REQUEST',
      transient: false,
    });
  });
});
