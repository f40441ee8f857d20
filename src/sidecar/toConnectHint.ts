import { CREDENTIALS_PATH } from '../endpoint/createCredentialRoute.js';

/** How a workload connects, for the start-up log: the exact variables to set, never a token. */
export interface ConnectHint {
  readonly fields: { readonly AWS_CONTAINER_CREDENTIALS_FULL_URI?: string };
  readonly message: string;
}

/**
 * From the credential listener's base URL. A wildcard bind (0.0.0.0, ::) is reached on
 * loopback from a shared network namespace, and the SDKs accept plain http only for loopback
 * (and the ECS/EKS link-local addresses), so the hint names 127.0.0.1 then.
 */
export function toConnectHint(baseUrl: string | undefined): ConnectHint {
  if (baseUrl === undefined) return { fields: {}, message: 'no credential listener' };
  const url = new URL(baseUrl);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
  const fullUri = `${url.origin}${CREDENTIALS_PATH}`;
  return {
    fields: { AWS_CONTAINER_CREDENTIALS_FULL_URI: fullUri },
    message:
      `Workloads set AWS_CONTAINER_CREDENTIALS_FULL_URI=${fullUri} and ` +
      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (or AWS_CONTAINER_AUTHORIZATION_TOKEN) to their service's auth_token.",
  };
}
