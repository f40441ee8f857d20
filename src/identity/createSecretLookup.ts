import type { ServiceConfig } from '../config/types.js';

/**
 * The tokens a named service may present, for a door whose caller proves it holds one without
 * sending it (the AWS gateway: the token is the HMAC secret of a SigV4 signature). The same
 * tokens the token index accepts, read by service name: the static one, then generated ones.
 */
export interface SecretLookup {
  /** Empty when the service is unknown. Never logged, never compared as a string. */
  secretsOf(service: string): readonly string[];
}

export function createSecretLookup(
  services: () => ReadonlyMap<string, Pick<ServiceConfig, 'authToken'>>,
  generated?: { secretsOf(service: string): readonly string[] },
): SecretLookup {
  return {
    secretsOf(service) {
      const definition = services().get(service);
      if (definition === undefined) return [];
      const fromFile = generated?.secretsOf(service) ?? [];
      return definition.authToken === undefined ? fromFile : [definition.authToken, ...fromFile];
    },
  };
}
