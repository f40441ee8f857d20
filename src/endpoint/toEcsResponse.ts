import type { Credentials } from '../credentials/types.js';

/**
 * The ECS container credential body every SDK accepts (CLIENT-CONTRACT.md): four non-empty
 * strings, `Expiration` in UTC with an upper-case `Z` (JS rejects `+00:00`), plus the optional
 * `AccountId` and `RoleArn` that real ECS sends. Serialized once per credential set: the body
 * of a warm request is a cached buffer.
 */
const bodies = new WeakMap<Credentials, Buffer>();

export function toEcsResponse(credentials: Credentials): Buffer {
  let body = bodies.get(credentials);
  if (!body) {
    body = Buffer.from(
      JSON.stringify({
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        Token: credentials.sessionToken,
        Expiration: toExpiration(credentials.expiresAtMs),
        ...(credentials.accountId === undefined ? {} : { AccountId: credentials.accountId }),
        RoleArn: credentials.roleArn,
      }),
    );
    bodies.set(credentials, body);
  }
  return body;
}

/** `YYYY-MM-DDTHH:MM:SSZ`: whole seconds, as STS and IMDS give them. */
export function toExpiration(expiresAtMs: number): string {
  return `${new Date(expiresAtMs).toISOString().slice(0, 19)}Z`;
}
