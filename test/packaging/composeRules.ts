import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * What every compose file we ship or generate must get right (CLIENT-CONTRACT.md and the
 * original's §10 defects): apps share credproxy's namespace and use FULL_URI on 127.0.0.1 with
 * a token file from a secret, never RELATIVE_URI; they wait for credproxy to be healthy;
 * credproxy runs read-only with its config mounted read-only and the image's health probe.
 * Returns the problems found, empty when the file is right.
 */
export function composeProblems(composeFile: string): string[] {
  const dir = join(composeFile, '..');
  const compose = parse(readFileSync(composeFile, 'utf8')) as ComposeFile;
  const problems: string[] = [];
  const services = compose.services ?? {};
  const credproxy = services.credproxy;
  if (!credproxy) return ['no service named credproxy'];

  if (credproxy.read_only !== true) problems.push('credproxy: read_only must be true');
  if (!(credproxy.tmpfs ?? []).includes('/tmp')) problems.push('credproxy: tmpfs /tmp missing');
  const test = credproxy.healthcheck?.test ?? [];
  if (test[0] !== 'CMD' || test[1] !== 'node' || test[2] !== '/app/healthcheck.mjs') {
    problems.push('credproxy: healthcheck must run ["CMD", "node", "/app/healthcheck.mjs", ...]');
  }
  const configMount = (credproxy.volumes ?? []).find((volume) =>
    volume.includes(':/credproxy/config.yaml'),
  );
  let configPort: number | undefined;
  if (!configMount) problems.push('credproxy: no config mounted at /credproxy/config.yaml');
  else {
    const hostPath = join(dir, configMount.split(':')[0]!);
    if (!configMount.endsWith(':ro')) problems.push('credproxy: the config mount must be :ro');
    if (!existsSync(hostPath)) problems.push(`credproxy: ${hostPath} does not exist`);
    else {
      const config = parse(readFileSync(hostPath, 'utf8')) as { server?: { port?: number } };
      configPort = config.server?.port ?? 1338;
    }
  }
  for (const volume of credproxy.volumes ?? []) {
    if (!volume.endsWith(':ro')) problems.push(`credproxy: volume ${volume} must be :ro`);
  }

  let apps = 0;
  for (const [name, service] of Object.entries(services)) {
    if (service.network_mode !== 'service:credproxy') continue;
    apps += 1;
    const env = service.environment ?? {};
    const fullUri = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    if (fullUri !== `http://127.0.0.1:${configPort}/v1/credentials`) {
      problems.push(`${name}: FULL_URI must be http://127.0.0.1:${configPort}/v1/credentials`);
    }
    if ('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' in env) {
      problems.push(`${name}: never set RELATIVE_URI next to FULL_URI`);
    }
    if ('AWS_CONTAINER_AUTHORIZATION_TOKEN' in env) {
      problems.push(`${name}: use AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, not the token inline`);
    }
    const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ?? '';
    const secret = /^\/run\/secrets\/(.+)$/.exec(tokenFile)?.[1];
    if (secret === undefined || !(service.secrets ?? []).includes(secret)) {
      problems.push(`${name}: the token file must be one of its own secrets under /run/secrets`);
    } else if (compose.secrets?.[secret]?.file === undefined) {
      problems.push(`${name}: secret ${secret} must come from a file`);
    }
    if (service.depends_on?.credproxy?.condition !== 'service_healthy') {
      problems.push(`${name}: must depend on credproxy with condition service_healthy`);
    }
  }
  if (apps === 0) problems.push('no app shares credproxy network namespace');
  return problems;
}

interface ComposeService {
  network_mode?: string;
  read_only?: boolean;
  tmpfs?: string[];
  volumes?: string[];
  secrets?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition?: string }>;
}

interface ComposeFile {
  services?: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string }>;
}
