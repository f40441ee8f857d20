import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** How the client is given its token: the two forms every SDK reads. */
export type TokenForm = 'env' | 'file';

export interface ClientEnvOptions {
  /** `AWS_CONTAINER_CREDENTIALS_FULL_URI`: credproxy's credential route. */
  readonly fullUri: string;
  /** moto's base URL; the only place the client sends API calls. */
  readonly stsUrl: string;
  readonly token: string;
  readonly form: TokenForm;
  /** A private temp dir: the token file and the (never created) shared config paths live here. */
  readonly dir: string;
}

let tokenFiles = 0;

/**
 * The environment of a client process. Every `AWS_*` variable of the test process is dropped
 * (its dummy keys, and `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, which would win over FULL_URI
 * in every SDK), so the container endpoint is the only credential source the client can find:
 * no env keys, no profile, no ~/.aws files, no IMDS. Proxies are dropped too, so nothing
 * leaves the loopback interface.
 */
export async function toClientEnv(options: ClientEnvOptions): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^AWS_/i.test(key) || /^(https?|all|no)_proxy$/i.test(key)) continue;
    env[key] = value;
  }
  Object.assign(env, {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: options.fullUri,
    AWS_ENDPOINT_URL_STS: options.stsUrl,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(options.dir, 'no-such-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(options.dir, 'no-such-credentials'),
    NO_PROXY: '*',
  });
  if (options.form === 'env') {
    env.AWS_CONTAINER_AUTHORIZATION_TOKEN = options.token;
  } else {
    tokenFiles += 1;
    const file = join(options.dir, `token-${tokenFiles}`);
    // No trailing newline: a newline becomes part of the header value and breaks every SDK.
    await writeFile(file, options.token, { mode: 0o600 });
    env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = file;
  }
  return env;
}
