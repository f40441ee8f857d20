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

/** Keys that must never sit in a compose environment: `docker inspect` shows them. */
const KEY_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
/** The image's user (Dockerfile USER): the uid every file credproxy reads must be readable by. */
const CREDPROXY_UID = 1338;

/**
 * The rules for the compose file we ship, as `docker compose up` runs it on Linux:
 * - credproxy runs as the image's 1338:1338 and can read every file under /run/secrets. Compose
 *   mounts a file secret with the host file's owner and mode (0600, the user's uid), so
 *   credproxy takes no compose secret itself: a one-shot init service it waits for
 *   (service_completed_successfully) copies each of its secrets into a volume with
 *   `install -m 0400 -o 1338 -g 1338`, mounted read-only at /run/secrets;
 * - no AWS key in any environment: source keys come from a file;
 * - credproxy's health check probes /ready, so apps start once credentials can be served;
 * - every image but credproxy's own build is pinned to a version (`name:1.2.3`, never latest).
 */
export function shippedComposeProblems(composeFile: string): string[] {
  const compose = parse(readFileSync(composeFile, 'utf8')) as ComposeFile;
  const services = compose.services ?? {};
  const credproxy = services.credproxy;
  if (!credproxy) return ['no service named credproxy'];
  const problems: string[] = [];

  if (credproxy.user !== `${CREDPROXY_UID}:${CREDPROXY_UID}`) {
    problems.push(`credproxy: user must be the image's ${CREDPROXY_UID}:${CREDPROXY_UID}`);
  }
  if ((credproxy.secrets ?? []).length > 0) {
    problems.push(
      'credproxy: compose secrets keep the host owner and mode 0600, unreadable by uid 1338',
    );
  }
  const mount = (credproxy.volumes ?? []).find((volume) => volume.split(':')[1] === '/run/secrets');
  const volume = mount?.split(':')[0];
  if (volume === undefined || !mount?.endsWith(':ro') || !(volume in (compose.volumes ?? {}))) {
    problems.push('credproxy: /run/secrets must be a named volume mounted :ro');
  } else {
    problems.push(...initProblems(services, credproxy, volume));
  }

  for (const [name, service] of Object.entries(services)) {
    for (const key of KEY_VARIABLES) {
      if (key in (service.environment ?? {}))
        problems.push(`${name}: ${key} must come from a file`);
    }
    if (
      service.build === undefined &&
      !/^[^:@\s]+:v?\d+\.\d+\.\d+[\w.-]*$/.test(service.image ?? '')
    ) {
      problems.push(`${name}: image ${service.image} must be pinned to an exact version`);
    }
  }
  const url = credproxy.healthcheck?.test?.[3] ?? '';
  if (!/^http:\/\/127\.0\.0\.1:\d+\/ready$/.test(url)) {
    problems.push('credproxy: the health check must probe /ready');
  }
  return problems;
}

/** The init service that fills `volume`: run first, as root, copying every secret it mounts. */
function initProblems(
  services: Record<string, ComposeService>,
  credproxy: ComposeService,
  volume: string,
): string[] {
  const entry = Object.entries(services).find(
    ([name, service]) =>
      name !== 'credproxy' && (service.volumes ?? []).some((v) => v.startsWith(`${volume}:`)),
  );
  if (entry === undefined) return [`no service fills the volume ${volume}`];
  const [name, init] = entry;
  const problems: string[] = [];
  if (credproxy.depends_on?.[name]?.condition !== 'service_completed_successfully') {
    problems.push(
      `credproxy: must depend on ${name} with condition service_completed_successfully`,
    );
  }
  const target = (init.volumes ?? []).find((v) => v.startsWith(`${volume}:`))?.split(':')[1];
  const command = [...(init.entrypoint ?? []), ...(init.command ?? [])].join(' ');
  const install = new RegExp(
    `install -m 0400 -o ${CREDPROXY_UID} -g ${CREDPROXY_UID} -t ${target} (.+)$`,
  ).exec(command);
  const copied = (install?.[1] ?? '').split(/\s+/);
  for (const secret of init.secrets ?? []) {
    if (!copied.includes(`/run/secrets/${secret}`)) {
      problems.push(
        `${name}: must copy /run/secrets/${secret} to ${volume} as 0400 ${CREDPROXY_UID}:${CREDPROXY_UID}`,
      );
    }
  }
  if ((init.secrets ?? []).length === 0) problems.push(`${name}: copies no secret`);
  return problems;
}

interface ComposeService {
  build?: unknown;
  image?: string;
  user?: string;
  entrypoint?: string[];
  command?: string[];
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
  volumes?: Record<string, unknown>;
}
