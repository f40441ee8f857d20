import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/** One workload in a bench config. */
export interface BenchService {
  readonly name: string;
  /** 64 random hex characters: a token the config pipeline accepts without a warning. */
  readonly token: string;
  readonly roleSessionName?: string;
  /** Accept JWTs of this issuer (`services.X.jwt.issuer`); with no token, JWT only. */
  readonly jwtIssuer?: string;
}

/** What a bench config sets; everything else keeps the schema's default. */
export interface BenchConfig {
  readonly port: number;
  /** Metrics listener port; undefined disables metrics. */
  readonly metricsPort?: number;
  readonly services: readonly BenchService[];
  readonly dynamic?: { readonly directory: string; readonly reloadIntervalSeconds: number };
  /** The `identity` block as written in YAML (JWT issuers). */
  readonly identity?: Record<string, unknown>;
}

export function makeServices(count: number, prefix = 'app'): BenchService[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `${prefix}${index}`,
    token: randomBytes(32).toString('hex'),
  }));
}

/** The `services:` entry of one service, in the original credproxy's YAML keys. */
export function toServiceBlock(service: BenchService): Record<string, unknown> {
  return {
    ...(service.token === '' ? {} : { auth_token: service.token }),
    ...(service.jwtIssuer ? { jwt: { issuer: service.jwtIssuer } } : {}),
    source_credentials: { region: 'us-east-1' },
    assumed_role: {
      RoleArn: `arn:aws:iam::123456789012:role/${service.name}`,
      ...(service.roleSessionName ? { RoleSessionName: service.roleSessionName } : {}),
    },
  };
}

export function toConfigYaml(config: BenchConfig): string {
  const document: Record<string, unknown> = {
    server: { host: '127.0.0.1', port: config.port },
    metrics: {
      prometheus:
        config.metricsPort === undefined
          ? { enabled: false }
          : { enabled: true, host: '127.0.0.1', port: config.metricsPort },
    },
    services: Object.fromEntries(config.services.map((s) => [s.name, toServiceBlock(s)])),
  };
  if (config.identity) document.identity = config.identity;
  if (config.dynamic) {
    document.dynamic_services = {
      enabled: true,
      directories: [{ path: config.dynamic.directory }],
      reload_interval: config.dynamic.reloadIntervalSeconds,
    };
  }
  return stringify(document);
}

export function writeConfig(file: string, config: BenchConfig): void {
  writeFileSync(file, toConfigYaml(config), { mode: 0o600 });
}
