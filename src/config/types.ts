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
    };

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
}

/** One workload: its token, how to reach STS, which role to assume, which routes it may call. */
export interface ServiceConfig {
  readonly name: string;
  /** The secret the workload sends in `Authorization`. Never log it. */
  readonly authToken: string;
  /** How to reach STS; absent, like `role`, for a service that only calls egress routes. */
  readonly source?: SourceCredentials;
  /** `assumed_role`; absent for a service that only calls egress routes. */
  readonly role?: AssumeRoleParams;
  /** `routes`: names of the egress routes this service may call (none by default). */
  readonly routes: readonly string[];
  /** `route_values`: this service's own injected value per route, overriding the route's. Secrets. */
  readonly routeValues: Readonly<Record<string, string>>;
  readonly origin: ServiceOrigin;
}

export interface ServerConfig {
  /** `server.host`, default 127.0.0.1. */
  readonly host: string;
  /** `server.port`, default 1338; 0 picks a free port (tests). */
  readonly port: number;
  readonly debug: boolean;
  /** `server.log_health_checks`, OR-ed with CREDPROXY_LOG_HEALTH_CHECKS. */
  readonly logHealthChecks: boolean;
}

export interface CredentialsPolicyConfig {
  /** `credentials.refresh_buffer_seconds`, default 1200. */
  readonly refreshBufferSeconds: number;
  /** `credentials.retry_delay`: first backoff step after a failed refresh, seconds. */
  readonly retryDelaySeconds: number;
  /** `credentials.request_timeout`: connect and request timeout of each STS call, seconds. */
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
}

export interface MetricsConfig {
  readonly enabled: boolean;
  /** Default 127.0.0.1 (the original bound 0.0.0.0). */
  readonly host: string;
  /** Default 9090; 0 picks a free port (tests). */
  readonly port: number;
}

/** One `allow` entry of a route: a request passes when both its method and path match. */
export interface RouteAllowRule {
  /** Upper-case methods; undefined means any method. */
  readonly methods?: readonly string[];
  /** Paths after the route's prefix, exact or `/subtree/*`; undefined means any path. */
  readonly paths?: readonly string[];
}

/** `proxy.routes.<name>`: a path prefix on the egress listener forwarded to one upstream. */
export interface RouteConfig {
  readonly name: string;
  /** `path`: the prefix, `/` or `/a/b` without a trailing slash. */
  readonly path: string;
  /** `upstream`, split: `https://api.example.com` and the base path (`` or `/v2`). */
  readonly upstream: { readonly origin: string; readonly basePath: string };
  readonly inject: {
    /** Header name, lower case. */
    readonly header: string;
    /** Word before the value (`Bearer`), if any. */
    readonly scheme?: string;
    /** The route's value; a service's `route_values` entry overrides it. Secret. */
    readonly value?: string;
  };
  /** `allow`; undefined lets every method and path under the prefix through. */
  readonly allow?: readonly RouteAllowRule[];
  readonly timeouts: {
    readonly connectSeconds: number;
    readonly headersSeconds: number;
    readonly idleSeconds: number;
  };
  /** `client_auth`: `token` (default) or `none` (the network is the boundary). */
  readonly clientAuth: 'token' | 'none';
  /** `ca_file`, absolute, and its PEM text: trusted in addition to the system CAs. */
  readonly caFile?: string;
  readonly ca?: string;
}

/** `proxy`: the egress listener and its routes. */
export interface ProxyConfig {
  /** Default 127.0.0.1. */
  readonly host: string;
  /** Default 1339; 0 picks a free port (tests). */
  readonly port: number;
  /** In file order; empty when no route is configured (the listener is not opened). */
  readonly routes: readonly RouteConfig[];
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
  /** Static services, in file order. */
  readonly services: readonly ServiceConfig[];
  readonly dynamicServices: DynamicServicesConfig;
  readonly metrics: MetricsConfig;
  readonly proxy: ProxyConfig;
}

/** A non-fatal finding (weak token, world-readable secret file). Never holds a secret. */
export interface ConfigWarning {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

export interface LoadedConfig {
  readonly config: Config;
  readonly warnings: readonly ConfigWarning[];
}
