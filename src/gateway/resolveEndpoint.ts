import type { Env } from '../config/env.js';

/**
 * Where the gateway sends calls to `service` (a signing name) in `region`, as the SDKs resolve a
 * configured endpoint: `proxy.aws.endpoints`, then `AWS_ENDPOINT_URL_<SERVICE>` and
 * `AWS_ENDPOINT_URL` from credproxy's environment (the SDKs' "service-specific endpoints"
 * names: upper case, `-` and spaces as `_`), then the standard regional endpoint. An origin,
 * no path.
 */
export function resolveEndpoint(
  service: string,
  region: string,
  endpoints: Readonly<Record<string, string>>,
  env: Env,
): string {
  const configured = endpoints[service];
  if (configured !== undefined) return configured;
  const fromEnv =
    env[`AWS_ENDPOINT_URL_${service.toUpperCase().replace(/[- ]/g, '_')}`] ?? env.AWS_ENDPOINT_URL;
  if (fromEnv !== undefined && fromEnv !== '') {
    try {
      return new URL(fromEnv).origin;
    } catch {
      // An unusable value is ignored, as the SDKs would fail on it; the standard one applies.
    }
  }
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${service}.${region}.${suffix}`;
}
