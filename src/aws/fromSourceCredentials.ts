import { createHash } from 'node:crypto';
import type { STSClientConfig } from '@aws-sdk/client-sts';
import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { SourceCredentials } from '../config/types.js';
import { CredentialsUnavailableError } from '../errors.js';
import type { SdkEnv } from './explainMissingProfile.js';
import { explainMissingProfile } from './explainMissingProfile.js';

type Provider = ReturnType<typeof fromNodeProviderChain>;

/**
 * The provider of the long-lived credentials credproxy signs its AssumeRole calls with. `env` is
 * the environment the SDK reads (AWS_PROFILE, AWS_CONFIG_FILE, ...), only used to explain a
 * profile that does not exist.
 */
export function fromSourceCredentials(
  source: SourceCredentials,
  env: SdkEnv,
): STSClientConfig['credentials'] {
  switch (source.kind) {
    case 'default':
      return explainingMissingProfile(fromNodeProviderChain(), source, env);
    case 'profile':
      return explainingMissingProfile(
        fromIni({
          profile: source.profileName,
          ...(source.configFile === undefined ? {} : { configFilepath: source.configFile }),
        }),
        source,
        env,
      );
    case 'keys':
      return {
        accessKeyId: source.accessKeyId,
        secretAccessKey: source.secretAccessKey,
        ...(source.sessionToken === undefined ? {} : { sessionToken: source.sessionToken }),
      };
    case 'webIdentity':
      // AssumeRoleWithWebIdentity is unsigned: the token is the proof. A signed call from this
      // source is a bug, and must not fall back to whatever the default chain finds.
      return async () => {
        throw new CredentialsUnavailableError(
          'NO_SOURCE_CREDENTIALS',
          'a web identity source signs no STS call but AssumeRoleWithWebIdentity',
          false,
        );
      };
  }
}

/**
 * A provider failure that a missing profile explains becomes NO_SOURCE_CREDENTIALS saying so;
 * any other failure is passed on for classifyStsError. The files are read only on failure.
 */
function explainingMissingProfile(
  provider: Provider,
  source: SourceCredentials,
  env: SdkEnv,
): Provider {
  return async (options) => {
    try {
      return await provider(options);
    } catch (error) {
      const explanation = explainMissingProfile(source, env);
      if (explanation === undefined) throw error;
      throw new CredentialsUnavailableError('NO_SOURCE_CREDENTIALS', explanation, false, {
        cause: error,
      });
    }
  };
}

/**
 * Services whose sources have the same key share one STS client (and its connection pool).
 * A digest, so the map of clients holds no second copy of a secret key.
 */
export function toSourceKey(source: SourceCredentials): string {
  return createHash('sha256').update(JSON.stringify(source)).digest('base64');
}
