import type {
  AssumeRoleParams,
  Config,
  ServiceConfig,
  SourceCredentials,
} from '../../src/config/types.js';

/** A service with a static token and a role, as most tests use one. */
export type TokenService = ServiceConfig & {
  readonly authToken: string;
  readonly role: AssumeRoleParams;
  readonly source: SourceCredentials;
};

/** A normalized service definition for tests that do not go through the config pipeline. */
export function makeService(name: string, overrides: Partial<TokenService> = {}): TokenService {
  return {
    name,
    authToken: `token-${name}-0123456789abcdef0123456789abcdef`,
    source: {
      kind: 'keys',
      region: 'us-east-1',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    },
    role: {
      roleArn: `arn:aws:iam::123456789012:role/${name}`,
      roleSessionName: 'credproxy',
      durationSeconds: 3600,
    },
    routes: [],
    routeValues: {},
    origin: { kind: 'static', file: 'config.yaml' },
    ...overrides,
  } as TokenService;
}

export function makeConfig(services: ServiceConfig[], overrides: Partial<Config> = {}): Config {
  return {
    file: 'config.yaml',
    server: { host: '127.0.0.1', port: 0, debug: false, logHealthChecks: false },
    credentials: { refreshBufferSeconds: 1200, retryDelaySeconds: 60, requestTimeoutSeconds: 5 },
    awsDefaults: { raw: {} },
    identity: { jwt: undefined },
    services,
    dynamicServices: {
      enabled: false,
      directories: [],
      reloadIntervalSeconds: 5,
      secretDirectories: [],
      allowedEnv: [],
      maxFileBytes: 1_048_576,
      tokenDirectories: [],
    },
    metrics: { enabled: true, host: '127.0.0.1', port: 0 },
    imds: [],
    proxy: { host: '127.0.0.1', port: 0, routes: [] },
    ...overrides,
  };
}
