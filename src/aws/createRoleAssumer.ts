import {
  AssumeRoleCommand,
  type AssumeRoleCommandOutput,
  AssumeRoleWithWebIdentityCommand,
  STSClient,
  type STSClientConfig,
} from '@aws-sdk/client-sts';
import type { CredentialTarget, RoleAssumer, SigningCredentials } from '../credentials/ports.js';
import type { Credentials } from '../credentials/types.js';
import { toUnavailableError } from './classifyStsError.js';
import type { SdkEnv } from './explainMissingProfile.js';
import { fromSourceCredentials, toSourceKey } from './fromSourceCredentials.js';
import { readWebIdentityToken } from './readWebIdentityToken.js';
import {
  hasSessionTags,
  toAssumeRoleInput,
  toCredentials,
  toWebIdentityInput,
} from './toStsCalls.js';

export interface RoleAssumerOptions {
  /** `credentials.request_timeout`, seconds: the most one STS call may take, connecting included. */
  readonly requestTimeoutSeconds: number;
  /**
   * The environment the SDK's credential providers read (AWS_PROFILE, AWS_CONFIG_FILE, HOME):
   * used only to explain a missing profile. The SDK itself always reads process.env, so that is
   * what the CLI passes; tests pass their own.
   */
  readonly env?: SdkEnv;
}

/**
 * AssumeRole through @aws-sdk/client-sts: one client per distinct source and region, reused,
 * and one per chain prefix for calls signed with role credentials (replaced when that prefix's
 * credentials are). A web-identity source calls AssumeRoleWithWebIdentity, which is unsigned.
 * The SDK honours AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, which is how tests reach moto.
 */
export function createRoleAssumer(options: RoleAssumerOptions): RoleAssumer & { destroy(): void } {
  const clients = new Map<string, STSClient>();
  const signedBy = new Map<string, { readonly accessKeyId: string; readonly client: STSClient }>();
  const retiring = new Set<NodeJS.Timeout>();
  const timeouts = toStsTimeouts(options.requestTimeoutSeconds);
  const shape = { requestTimeoutSeconds: options.requestTimeoutSeconds };

  function newClient(region: string, credentials: STSClientConfig['credentials']): STSClient {
    return new STSClient({
      region,
      credentials,
      // Without throwOnRequestTimeout the SDK only warns and the call hangs: a silent STS would
      // then block the service's refresh for good.
      requestHandler: {
        connectionTimeout: timeouts.connectionTimeoutMs,
        requestTimeout: timeouts.requestTimeoutMs,
        throwOnRequestTimeout: true,
      },
      // One attempt, so a call never outlasts request_timeout (two attempts took up to twice
      // as long). credproxy's own backoff retries: within seconds while a service has nothing
      // to serve, later while its last good set still does.
      maxAttempts: 1,
    });
  }

  function clientFor(target: CredentialTarget): STSClient {
    const key = toSourceKey(target.source);
    let client = clients.get(key);
    if (!client) {
      client = newClient(
        target.source.region,
        fromSourceCredentials(target.source, options.env ?? {}),
      );
      clients.set(key, client);
    }
    return client;
  }

  /** The client of a chain prefix, signing with its current credentials. */
  function clientSignedBy(signer: SigningCredentials, region: string): STSClient {
    const { credentials } = signer;
    const entry = signedBy.get(signer.key);
    if (entry?.accessKeyId === credentials.accessKeyId) return entry.client;
    if (entry) {
      // Another service of this prefix may still be waiting on the old client: close it once
      // any call on it has run out of time.
      const timer = setTimeout(() => {
        retiring.delete(timer);
        entry.client.destroy();
      }, timeouts.requestTimeoutMs + 1_000);
      timer.unref();
      retiring.add(timer);
    }
    const client = newClient(region, {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      expiration: new Date(credentials.expiresAtMs),
    });
    signedBy.set(signer.key, { accessKeyId: credentials.accessKeyId, client });
    return client;
  }

  async function assumeWithWebIdentity(
    target: CredentialTarget,
    tokenFile: string,
  ): Promise<Credentials> {
    const token = await readWebIdentityToken(tokenFile);
    let output: unknown;
    try {
      output = await clientFor(target).send(
        new AssumeRoleWithWebIdentityCommand(toWebIdentityInput(target.role, token)),
      );
    } catch (error) {
      throw toUnavailableError(error, { ...shape, webIdentity: true });
    }
    return toCredentials(output, target.role.roleArn);
  }

  return {
    async assumeRole(target, signer) {
      if (signer === undefined && target.source.kind === 'webIdentity') {
        return assumeWithWebIdentity(target, target.source.tokenFile);
      }
      const client =
        signer === undefined ? clientFor(target) : clientSignedBy(signer, target.source.region);
      let output: AssumeRoleCommandOutput;
      try {
        output = await client.send(
          new AssumeRoleCommand(toAssumeRoleInput(target.role, target.session)),
        );
      } catch (error) {
        throw toUnavailableError(error, { ...shape, tagged: hasSessionTags(target) });
      }
      return toCredentials(output, target.role.roleArn);
    },
    destroy() {
      for (const client of clients.values()) client.destroy();
      for (const { client } of signedBy.values()) client.destroy();
      for (const timer of retiring) clearTimeout(timer);
      clients.clear();
      signedBy.clear();
      retiring.clear();
    },
  };
}

/**
 * The SDK's timers for one STS call of at most `requestTimeoutSeconds`. The request timer runs
 * from the start, connecting included, so it bounds the whole call. The connect timer stops
 * CONNECT_MARGIN_MS earlier: started together, the request timer would otherwise win the race
 * (the SDK arms its connect timer a second late, for the remainder) and a connect that never
 * completed would be reported as a silent STS.
 */
export function toStsTimeouts(requestTimeoutSeconds: number): {
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
} {
  const requestTimeoutMs = requestTimeoutSeconds * 1000;
  const margin = Math.min(CONNECT_MARGIN_MS, requestTimeoutMs / 10);
  return { connectionTimeoutMs: requestTimeoutMs - margin, requestTimeoutMs };
}

/** How much sooner than the whole call the connect phase gives up; see toStsTimeouts. */
export const CONNECT_MARGIN_MS = 100;
