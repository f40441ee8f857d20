import { join } from 'node:path';

/**
 * A client environment with no credential source at all but what `extra` adds: every `AWS_*`
 * variable and proxy of the test process is dropped, API calls go to moto, the shared config
 * and credentials files do not exist unless `extra` names one. Nothing leaves loopback:
 * instance metadata is off unless `extra` points it at credproxy.
 */
export function toBareClientEnv(
  stsUrl: string,
  dir: string,
  extra: Record<string, string>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^AWS_/i.test(key) || /^(https?|all|no)_proxy$/i.test(key)) continue;
    env[key] = value;
  }
  const imdsUnderTest = extra.AWS_EC2_METADATA_SERVICE_ENDPOINT !== undefined;
  return {
    ...env,
    AWS_ENDPOINT_URL_STS: stsUrl,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(dir, 'no-such-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-such-credentials'),
    ...(imdsUnderTest ? {} : { AWS_EC2_METADATA_DISABLED: 'true' }),
    NO_PROXY: '*',
    ...extra,
  };
}
