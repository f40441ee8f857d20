/** The config of the doors beyond the credential endpoint: egress routes, the AWS gateway, the forward proxy, IMDS. */

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
  /** In file order; empty when no route is configured (the listener opens only for `aws`). */
  readonly routes: readonly RouteConfig[];
  /** `proxy.aws`: the AWS signing gateway; absent means off. */
  readonly aws?: AwsGatewayConfig;
}

/** `proxy.aws`: which AWS services and regions the gateway signs for, and where it sends them. */
export interface AwsGatewayConfig {
  readonly enabled: boolean;
  /** Signing names (`s3`, `sts`, ...); `*` allows every one. */
  readonly services: readonly string[];
  /** Undefined: any region. */
  readonly regions?: readonly string[];
  /** Upstream origin per signing name (`http://127.0.0.1:5000`), no path. */
  readonly endpoints: Readonly<Record<string, string>>;
  /** `max_buffered_body_bytes`: the most a body without x-amz-content-sha256 is buffered. */
  readonly maxBufferedBodyBytes: number;
}

/** A host a forward proxy rule or `tunnel_hosts` covers: `api.github.com`, `*.example.com`. */
export interface ForwardHostPattern {
  /** Lower case; for a wildcard, the suffix after `*.` (`example.com`). */
  readonly host: string;
  /** `*.example.com`: exactly one more label (`a.example.com`, not `a.b.example.com`). */
  readonly wildcard: boolean;
  /** The one port it covers; undefined: 443 (and 80 for plain HTTP). */
  readonly port?: number;
}

/** `forward_proxy.rules.<name>`: intercepted hosts and the header injected on their requests. */
export interface ForwardRuleConfig {
  readonly name: string;
  readonly hosts: readonly ForwardHostPattern[];
  readonly inject: {
    /** Lower case. */
    readonly header: string;
    readonly scheme?: string;
    /** Secret. */
    readonly value: string;
  };
}

/** `forward_proxy`: the HTTPS_PROXY listener with TLS interception (docs/forward-proxy.md). */
export interface ForwardProxyConfig {
  /** Default 127.0.0.1. */
  readonly host: string;
  /** Default 3128; 0 picks a free port (tests). */
  readonly port: number;
  /** Absolute paths of the CA certificate and key (created when absent). */
  readonly ca: { readonly certFile: string; readonly keyFile: string };
  /** `ca_file`, absolute, and its PEM text: trusted for upstreams besides the system CAs. */
  readonly caFile?: string;
  readonly upstreamCa?: string;
  /** `connect_to`: `host:port` → where to connect instead (`127.0.0.1:8443`). */
  readonly connectTo: Readonly<Record<string, { readonly host: string; readonly port: number }>>;
  readonly rules: readonly ForwardRuleConfig[];
  readonly tunnelHosts: readonly ForwardHostPattern[];
  readonly otherwise: 'deny' | 'tunnel';
  readonly clientAuth: 'token' | 'none';
}

/** One `imds` entry: an IMDSv2-compatible listener serving one service. */
export interface ImdsListenerConfig {
  /** Default 127.0.0.1. */
  readonly host: string;
  /** Default 1341; 0 picks a free port (tests). */
  readonly port: number;
  readonly service: string;
  /** `allow_v1`: answer reads without a session token. Default false. */
  readonly allowV1: boolean;
}
