import type { WarningCode } from '../errorCodes.js';
import type { ForwardProxyConfig, ImdsListenerConfig, ProxyConfig } from './doorTypes.js';
import type { IdentityConfig } from './identityTypes.js';

/**
 * The validated, normalized, frozen configuration that every other part receives.
 * Built by `parseConfig` from the YAML keys of the original credproxy; names here are the
 * code's, the YAML keys are documented next to each field.
 */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** Where a service came from: the main config file, or a watched dynamic file. */
export interface ServiceOrigin {
  readonly kind: 'static' | 'dynamic';
  /** Path of the file that defines the service (as given, never its content). */
  readonly file: string;
}

/** How credproxy authenticates to STS for one service. Exactly one kind applies. */
export type SourceCredentials =
  /** `source_credentials: {}` (or region only): the AWS SDK default provider chain. */
  | { readonly kind: 'default'; readonly region: string }
  /** `iam_profile`: a named profile of the shared config/credentials files. */
  | {
      readonly kind: 'profile';
      readonly region: string;
      readonly profileName: string;
      /** `iam_profile.config_file`: the shared config file to read instead of ~/.aws/config. */
      readonly configFile?: string;
    }
  /** `iam_keys`: static keys, optionally with a session token. */
  | {
      readonly kind: 'keys';
      readonly region: string;
      readonly accessKeyId: string;
      readonly secretAccessKey: string;
      readonly sessionToken?: string;
    }
  /**
   * `source_credentials.web_identity` (or `assumed_role.web_identity_token_file`): the first role
   * is assumed with AssumeRoleWithWebIdentity, which nothing signs but the token in this file.
   * The file is re-read on every call (projected tokens rotate); its content is never kept.
   */
  | { readonly kind: 'webIdentity'; readonly region: string; readonly tokenFile: string };

/** The `assumed_role` block: the AssumeRole parameters, with defaults applied. */
export interface AssumeRoleParams {
  readonly roleArn: string;
  /** Default `credproxy`. */
  readonly roleSessionName: string;
  /** Default 3600 (the original's 900 keeps botocore refetching on every call). */
  readonly durationSeconds: number;
  readonly externalId?: string;
  /** Inline session policy, minified JSON. */
  readonly policy?: string;
  readonly policyArns?: readonly string[];
  readonly tags?: readonly { readonly key: string; readonly value: string }[];
  readonly transitiveTagKeys?: readonly string[];
  readonly sourceIdentity?: string;
  /**
   * Roles assumed in order before this one, each with the credentials of the one before (the
   * first with the source): `assumed_role.chain`, preceded by the role of a `web_identity`
   * source. Absent when the role is assumed with the source directly.
   */
  readonly chain?: readonly AssumeRoleParams[];
}

/**
 * `token_file`: a token credproxy generates, writes and rotates itself (src/identity). The
 * path is absolute; the token never appears in the config.
 */
export interface TokenFileConfig {
  readonly path: string;
  /** `rotate_seconds`, default 3600. */
  readonly rotateSeconds: number;
  /** `grace_seconds`: the previous token stays valid this long, default 300. */
  readonly graceSeconds: number;
  /** `mode` as a number (0o600 by default); never grants anything to others. */
  readonly mode: number;
}

/** A claim the token must carry: a JSON Pointer into the claims and the exact value. */
export interface RequiredClaim {
  readonly pointer: string;
  readonly value: string | number | boolean;
}

/** `services.X.jwt`: which signed JWTs may act as the service. */
export interface ServiceJwtConfig {
  /** Name of an issuer under `identity.jwt.issuers`. */
  readonly issuer: string;
  readonly requireClaims: readonly RequiredClaim[];
}

/** One workload: how it proves who it is, how to reach STS, which role to assume, which routes it may call. */
export interface ServiceConfig {
  readonly name: string;
  /**
   * `auth_token`: the secret the workload sends in `Authorization`. Never log it. Absent when
   * the service is reached by its token file or JWTs only (a service has at least one way in).
   */
  readonly authToken?: string;
  /** `token_file`: a token credproxy writes and rotates. */
  readonly tokenFile?: TokenFileConfig;
  /** Signed JWTs this service accepts; absent when it accepts none. */
  readonly jwt?: ServiceJwtConfig;
  /** How to reach STS; absent, like `role`, for a service that only calls egress routes. */
  readonly source?: SourceCredentials;
  /** `assumed_role`; absent for a service that only calls egress routes. */
  readonly role?: AssumeRoleParams;
  /** `routes`: names of the egress routes this service may call (none by default). */
  readonly routes: readonly string[];
  /** `route_values`: this service's own injected value per route, overriding the route's. Secrets. */
  readonly routeValues: Readonly<Record<string, string>>;
  /** `forward_rules`: names of the forward proxy rules this service may use (none by default). */
  readonly forwardRules?: readonly string[];
  /** `aws_gateway`: may call AWS through the signing gateway with its role. Default false. */
  readonly awsGateway?: boolean;
  readonly origin: ServiceOrigin;
}

export interface ServerConfig {
  /** `server.host`, default 127.0.0.1. */
  readonly host: string;
  /** `server.port`, default 1338; 0 picks a free port (tests). */
  readonly port: number;
  /**
   * The environment variable `server.port` reads (`${fromEnv:CREDPROXY_PORT:-1338}`), set or
   * not: a port-in-use message names it (see toPortKeyText). A name, never a value.
   */
  readonly portSource?: string;
  readonly debug: boolean;
  /** `server.log_health_checks`, OR-ed with CREDPROXY_LOG_HEALTH_CHECKS. */
  readonly logHealthChecks: boolean;
}

export interface CredentialsPolicyConfig {
  /** `credentials.refresh_buffer_seconds`, default 1200. */
  readonly refreshBufferSeconds: number;
  /** `credentials.retry_delay`: first backoff step after a failed refresh, seconds. */
  readonly retryDelaySeconds: number;
  /** `credentials.request_timeout`: the most one STS call may take, connecting included, seconds. */
  readonly requestTimeoutSeconds: number;
}

export interface DynamicDirectory {
  readonly path: string;
  /** Regular expressions (source text) matched against the path relative to `path`. */
  readonly includePatterns: readonly string[];
  readonly excludePatterns: readonly string[];
}

export interface DynamicServicesConfig {
  readonly enabled: boolean;
  readonly directories: readonly DynamicDirectory[];
  /** `reload_interval`: debounce, seconds. */
  readonly reloadIntervalSeconds: number;
  /** `secret_directories`, absolute: the only places `${fromFile:}` in a dynamic file may read. */
  readonly secretDirectories: readonly string[];
  /** `allowed_env`: the only variables `${fromEnv:}` in a dynamic file may read. */
  readonly allowedEnv: readonly string[];
  /** `max_file_bytes`: a larger dynamic file is rejected without being read. */
  readonly maxFileBytes: number;
  /** `token_directories`, absolute: where a dynamic service's token_file may be written. */
  readonly tokenDirectories: readonly string[];
}

/**
 * What substitution in a dynamic service file may read. Dynamic files are written by less
 * trusted parties than the main config, whose own references are never limited.
 */
export interface DynamicFilePolicy {
  /** Absolute directories; a `fromFile` target's real path must lie inside one. */
  readonly secretDirectories: readonly string[];
  /** Variable names `fromEnv` may read. */
  readonly allowedEnv: readonly string[];
  /** Absolute path of the main config file, never readable from a dynamic file. */
  readonly mainConfigFile?: string;
  /** Absolute directories a `token_file` may be written directly into. Default: none. */
  readonly tokenDirectories?: readonly string[];
}

export interface MetricsConfig {
  readonly enabled: boolean;
  /** Default 127.0.0.1 (the original bound 0.0.0.0). */
  readonly host: string;
  /** Default 9090; 0 picks a free port (tests). */
  readonly port: number;
  /** The environment variable `metrics.prometheus.port` reads, as `ServerConfig.portSource`. */
  readonly portSource?: string;
}

/** The raw `aws_defaults` block, kept so dynamic files can be normalized with it later. */
export interface AwsDefaults {
  readonly region?: string;
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface Config {
  /** Path of the main config file as given. */
  readonly file: string;
  readonly server: ServerConfig;
  readonly credentials: CredentialsPolicyConfig;
  readonly awsDefaults: AwsDefaults;
  readonly identity: IdentityConfig;
  /** Static services, in file order. */
  readonly services: readonly ServiceConfig[];
  readonly dynamicServices: DynamicServicesConfig;
  readonly metrics: MetricsConfig;
  /** `imds`, in file order; empty by default. */
  readonly imds: readonly ImdsListenerConfig[];
  readonly proxy: ProxyConfig;
  /** `forward_proxy`; undefined when the block is absent (the listener is not opened). */
  readonly forwardProxy?: ForwardProxyConfig;
}

/** A non-fatal finding (weak token, world-readable secret file). Never holds a secret. */
export interface ConfigWarning {
  readonly file: string;
  readonly path: string;
  readonly message: string;
  /** Stable, like an error code: see WARNING_CODES in errorCodes.ts. */
  readonly code: WarningCode;
}

export interface LoadedConfig {
  readonly config: Config;
  readonly warnings: readonly ConfigWarning[];
}
