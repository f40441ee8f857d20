import { createHash } from 'node:crypto';
import type { STSClientConfig } from '@aws-sdk/client-sts';
import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { SourceCredentials } from '../config/types.js';

/** The provider of the long-lived credentials credproxy signs its AssumeRole calls with. */
export function fromSourceCredentials(source: SourceCredentials): STSClientConfig['credentials'] {
  switch (source.kind) {
    case 'default':
      return fromNodeProviderChain();
    case 'profile':
      return fromIni({
        profile: source.profileName,
        ...(source.configFile === undefined ? {} : { configFilepath: source.configFile }),
      });
    case 'keys':
      return {
        accessKeyId: source.accessKeyId,
        secretAccessKey: source.secretAccessKey,
        ...(source.sessionToken === undefined ? {} : { sessionToken: source.sessionToken }),
      };
  }
}

/**
 * Services whose sources have the same key share one STS client (and its connection pool).
 * A digest, so the map of clients holds no second copy of a secret key.
 */
export function toSourceKey(source: SourceCredentials): string {
  return createHash('sha256').update(JSON.stringify(source)).digest('base64');
}
