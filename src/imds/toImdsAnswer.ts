import type { ServiceConfig } from '../config/types.js';
import type { CredentialTarget } from '../credentials/ports.js';
import { toIamInfo, toIdentityDocument, toRoleName } from './toImdsResponses.js';

export const CREDENTIALS_DIR = '/latest/meta-data/iam/security-credentials/';
export const EXTENDED_DIR = '/latest/meta-data/iam/security-credentials-extended/';

/** What a metadata path answers for a listener's service; `credentials` is served from the cache. */
export type ImdsAnswer =
  | { readonly kind: 'text'; readonly body: string }
  | { readonly kind: 'json'; readonly body: string }
  | { readonly kind: 'credentials'; readonly extended: boolean };

/**
 * The metadata paths credproxy answers, matched exactly (a directory with or without its
 * slash); undefined for any other path (404). `lastUpdatedMs` is read only for iam/info.
 */
export function toImdsAnswer(
  path: string,
  service: ServiceConfig & Pick<CredentialTarget, 'role' | 'source'>,
  lastUpdatedMs: () => number,
): ImdsAnswer | undefined {
  const roleArn = service.role.roleArn;
  const role = toRoleName(roleArn);
  switch (path) {
    case CREDENTIALS_DIR:
    case CREDENTIALS_DIR.slice(0, -1):
    case EXTENDED_DIR:
    case EXTENDED_DIR.slice(0, -1):
      return { kind: 'text', body: role };
    case `${CREDENTIALS_DIR}${role}`:
      return { kind: 'credentials', extended: false };
    case `${EXTENDED_DIR}${role}`:
      return { kind: 'credentials', extended: true };
    case '/latest/meta-data/iam/info':
      return { kind: 'json', body: toIamInfo(roleArn, lastUpdatedMs()) };
    case '/latest/meta-data/placement/region':
      return { kind: 'text', body: service.source.region };
    case '/latest/dynamic/instance-identity/document':
      return { kind: 'json', body: toIdentityDocument(roleArn, service.source.region) };
    default:
      return undefined;
  }
}
