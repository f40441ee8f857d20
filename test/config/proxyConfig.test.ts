import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseServiceFile } from '../../src/config/parseServiceFile.js';
import { ConfigError, formatConfigIssue } from '../../src/errors.js';
import { FILE, linesOf, parse, TOKEN } from './configText.js';

const KEY = 'sk-ant-0123456789abcdefSECRET';
const ROLE_ONLY = {
  routes: [],
  assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/A' },
  source_credentials: { region: 'us-east-1' },
};
const anthropic = {
  path: '/anthropic',
  upstream: 'https://api.anthropic.com',
  inject: { header: 'x-api-key', value: KEY },
};

function withProxy(
  routes: Record<string, unknown>,
  service: Record<string, unknown> = {},
  proxy = {},
) {
  return {
    proxy: { routes, ...proxy },
    services: { agent: { auth_token: TOKEN, routes: Object.keys(routes), ...service } },
  };
}

describe('proxy config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'credproxy-proxy-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('normalizes routes with the schema defaults; a service may have routes and no role', () => {
    const { config, warnings } = parse(
      withProxy({
        anthropic: { ...anthropic, allow: [{ methods: ['POST'], paths: ['/v1/messages'] }] },
        gitea: {
          path: '/gitea',
          upstream: 'https://git.example.com/api/v1/',
          inject: { header: 'Authorization', scheme: 'token', value: KEY },
          timeouts: { headers: 30 },
        },
      }),
    );

    expect(warnings).toEqual([]);
    expect(config.proxy).toEqual({
      host: '127.0.0.1',
      port: 1339,
      routes: [
        {
          name: 'anthropic',
          path: '/anthropic',
          upstream: { origin: 'https://api.anthropic.com', basePath: '' },
          inject: { header: 'x-api-key', value: KEY },
          allow: [{ methods: ['POST'], paths: ['/v1/messages'] }],
          timeouts: { connectSeconds: 10, headersSeconds: 600, idleSeconds: 300 },
          clientAuth: 'token',
        },
        {
          name: 'gitea',
          path: '/gitea',
          upstream: { origin: 'https://git.example.com', basePath: '/api/v1' },
          inject: { header: 'authorization', scheme: 'token', value: KEY },
          timeouts: { connectSeconds: 10, headersSeconds: 30, idleSeconds: 300 },
          clientAuth: 'token',
        },
      ],
    });
    expect(config.services[0]).toMatchObject({
      name: 'agent',
      routes: ['anthropic', 'gitea'],
      routeValues: {},
    });
    expect(config.services[0]?.role).toBeUndefined();
    expect(Object.isFrozen(config.proxy.routes[0]?.inject)).toBe(true);
  });

  it('defaults to no routes, so no egress listener', () => {
    const { config } = parse({
      services: {
        app: { auth_token: TOKEN, assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/A' } },
      },
      aws_defaults: { region: 'us-east-1' },
    });

    expect(config.proxy.routes).toEqual([]);
  });

  it.each([
    [
      'a service with neither a role nor routes',
      { proxy: { routes: {} }, services: { agent: { auth_token: TOKEN } } },
      `${FILE}: services.agent.assumed_role: is required unless the service lists routes or forward_rules (a service needs a role, routes, or both)`,
    ],
    [
      'a route that does not exist',
      withProxy({ anthropic }, { routes: ['anthropic', 'nope'] }),
      `${FILE}: services.agent.routes[1]: names route nope, which proxy.routes does not define`,
    ],
    [
      'a route value for a route the service does not list',
      withProxy({ anthropic }, { route_values: { other: KEY } }),
      `${FILE}: services.agent.route_values.other: is for route other, which this service's routes do not list`,
    ],
    [
      'a route without a value the service does not fill',
      withProxy({ anthropic: { ...anthropic, inject: { header: 'x-api-key' } } }),
      `${FILE}: services.agent.routes[0]: route anthropic has no inject.value, so this service needs route_values.anthropic`,
    ],
    [
      'plain http to another host',
      withProxy({ anthropic: { ...anthropic, upstream: 'http://api.anthropic.com' } }),
      `${FILE}: proxy.routes.anthropic.upstream: is plain http:// to a host that is not loopback, so the injected key would cross the network in clear text: use https:// or set allow_plain_http: true`,
    ],
    [
      'an upstream with a query',
      withProxy({ anthropic: { ...anthropic, upstream: 'https://api.anthropic.com/?a=1' } }),
      `${FILE}: proxy.routes.anthropic.upstream: must not have a query or a fragment`,
    ],
    [
      'an injected header HTTP manages',
      withProxy({ anthropic: { ...anthropic, inject: { header: 'Host', value: KEY } } }),
      `${FILE}: proxy.routes.anthropic.inject.header: is host, which HTTP itself manages: inject another header`,
    ],
    [
      'two routes on one prefix',
      withProxy({ anthropic, again: anthropic }),
      `${FILE}: proxy.routes.again.path: is also the path of route anthropic: each route needs its own prefix`,
    ],
    [
      'a path with a trailing slash',
      withProxy({ anthropic: { ...anthropic, path: '/anthropic/' } }),
      `${FILE}: proxy.routes.anthropic.path: must be / or a path such as /anthropic or /api/v1 (letters, digits and ._~- between slashes, no trailing slash)`,
    ],
    [
      'a bad route name',
      withProxy({ 'an thropic': anthropic }, ROLE_ONLY),
      `${FILE}: proxy.routes.an thropic: is not a valid route name: use letters, digits, _ and -`,
    ],
    [
      'client_auth none without a value',
      withProxy(
        { open: { ...anthropic, client_auth: 'none', inject: { header: 'x-api-key' } } },
        ROLE_ONLY,
      ),
      `${FILE}: proxy.routes.open.inject.value: is required with client_auth: none (no service token says whose value to inject)`,
    ],
    [
      'the proxy on the credential port',
      withProxy({ anthropic }, {}, { port: 1338 }),
      `${FILE}: proxy.port: must differ from server.port and metrics.prometheus.port (1338 is taken); use another port or 0 for a free one`,
    ],
  ])('refuses %s, naming the key', (_what, document, line) => {
    expect(linesOf(document)).toEqual([line]);
  });

  it('refuses an inject value that is empty after substitution, naming the key and never a value', () => {
    const lines = linesOf(
      withProxy(
        {
          anthropic: {
            ...anthropic,
            inject: { header: 'x-api-key', value: '${fromEnv:ANTHROPIC_KEY}' },
          },
        },
        { route_values: { anthropic: '${fromEnv:TENANT_KEY}' } },
      ),
      { env: { ANTHROPIC_KEY: '', TENANT_KEY: '' } },
    );

    expect(lines).toEqual([
      `${FILE}: services.agent.route_values.anthropic: must not be empty (its \${...} reference produced an empty value)`,
      `${FILE}: proxy.routes.anthropic.inject.value: must not be empty (its \${...} reference produced an empty value)`,
    ]);
  });

  it('refuses a value with a line break without printing it', () => {
    const lines = linesOf(
      withProxy({
        anthropic: { ...anthropic, inject: { header: 'x-api-key', value: `${KEY}\r\nx-evil: 1` } },
      }),
    );

    expect(lines).toEqual([
      `${FILE}: proxy.routes.anthropic.inject.value: must be printable ASCII without leading or trailing spaces (no line breaks: it becomes a header value)`,
    ]);
    expect(lines.join('')).not.toContain(KEY);
  });

  it('allows plain http to loopback, and elsewhere with allow_plain_http', () => {
    const { config } = parse(
      withProxy({
        local: { ...anthropic, path: '/local', upstream: 'http://127.0.0.1:8080/v1' },
        lan: { ...anthropic, path: '/lan', upstream: 'http://10.0.0.5', allow_plain_http: true },
      }),
    );

    expect(config.proxy.routes.map((r) => r.upstream)).toEqual([
      { origin: 'http://127.0.0.1:8080', basePath: '/v1' },
      { origin: 'http://10.0.0.5', basePath: '' },
    ]);
  });

  it('reads ca_file relative to the config file and refuses one without a certificate', () => {
    writeFileSync(
      join(dir, 'ca.pem'),
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    );
    writeFileSync(join(dir, 'empty.pem'), 'nothing');
    const file = join(dir, 'config.yaml');

    const { config } = parse(withProxy({ anthropic: { ...anthropic, ca_file: 'ca.pem' } }), {
      file,
    });
    const lines = linesOf(withProxy({ anthropic: { ...anthropic, ca_file: 'empty.pem' } }), {
      file,
    });

    expect(config.proxy.routes[0]?.caFile).toBe(join(dir, 'ca.pem'));
    expect(config.proxy.routes[0]?.ca).toContain('BEGIN CERTIFICATE');
    expect(lines).toEqual([
      `${file}: proxy.routes.anthropic.ca_file: file ${join(dir, 'empty.pem')} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
  });

  it('warns when a client_auth: none route listens beyond loopback', () => {
    const { warnings } = parse(
      withProxy({ open: { ...anthropic, client_auth: 'none' } }, {}, { host: '0.0.0.0' }),
    );

    expect(warnings.map((w) => w.path)).toEqual(['proxy.routes.open.client_auth']);
  });

  it('lets a dynamic service file list routes and route values, never define routes', () => {
    const { config } = parse(withProxy({ anthropic }));
    const options = {
      file: '/dyn/tenant.yaml',
      env: {},
      awsDefaults: config.awsDefaults,
      routes: config.proxy.routes,
    };
    const text = JSON.stringify({
      auth_token: TOKEN,
      routes: ['anthropic'],
      route_values: { anthropic: 'tenant-key-123' },
    });

    const { services } = parseServiceFile(text, options);
    const unknown = errorLines(() =>
      parseServiceFile(JSON.stringify({ auth_token: TOKEN, routes: ['github'] }), options),
    );
    const defining = errorLines(() =>
      parseServiceFile(JSON.stringify({ proxy: { routes: {} }, services: {} }), options),
    );

    expect(services[0]).toMatchObject({
      routes: ['anthropic'],
      routeValues: { anthropic: 'tenant-key-123' },
    });
    expect(unknown).toEqual([
      '/dyn/tenant.yaml: routes[0]: names route github, which proxy.routes does not define',
    ]);
    expect(defining[0]).toContain(
      'proxy: is not allowed next to services in a dynamic service file',
    );
  });
});

function errorLines(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatConfigIssue);
    throw error;
  }
  throw new Error('expected a ConfigError');
}
