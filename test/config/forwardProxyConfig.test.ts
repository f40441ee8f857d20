import { describe, expect, it } from 'vitest';
import { FILE, linesOf, parse, TOKEN } from './configText.js';

const KEY = 'ghp_forward-config-SECRET-0123456789';
const github = {
  hosts: ['api.github.com', '*.githubusercontent.com', 'git.example.com:8443'],
  inject: { header: 'Authorization', scheme: 'Bearer', value: KEY },
};

function withForward(forward: Record<string, unknown>, service: Record<string, unknown> = {}) {
  return {
    forward_proxy: forward,
    services: { agent: { auth_token: TOKEN, forward_rules: ['github'], ...service } },
  };
}

describe('forward_proxy config', () => {
  it('normalizes the block with the schema defaults; a service may have forward_rules only', () => {
    const { config, warnings } = parse(
      withForward({
        rules: { github },
        tunnel_hosts: ['pkgs.example.com'],
        connect_to: { 'api.github.com:443': '127.0.0.1:8443' },
      }),
    );

    expect(warnings).toEqual([]);
    expect(config.forwardProxy).toEqual({
      host: '127.0.0.1',
      port: 3128,
      ca: { certFile: '/credproxy/ca/ca.pem', keyFile: '/credproxy/ca/ca-key.pem' },
      connectTo: { 'api.github.com:443': { host: '127.0.0.1', port: 8443 } },
      rules: [
        {
          name: 'github',
          hosts: [
            { host: 'api.github.com', wildcard: false },
            { host: 'githubusercontent.com', wildcard: true },
            { host: 'git.example.com', wildcard: false, port: 8443 },
          ],
          inject: { header: 'authorization', scheme: 'Bearer', value: KEY },
        },
      ],
      tunnelHosts: [{ host: 'pkgs.example.com', wildcard: false }],
      otherwise: 'deny',
      clientAuth: 'token',
    });
    expect(config.services[0]).toMatchObject({ name: 'agent', forwardRules: ['github'] });
  });

  it('is absent by default, so no forward proxy listener', () => {
    const { config } = parse({
      services: {
        app: { auth_token: TOKEN, assumed_role: { RoleArn: 'arn:aws:iam::123456789012:role/A' } },
      },
      aws_defaults: { region: 'us-east-1' },
    });

    expect(config.forwardProxy).toBeUndefined();
  });

  it.each([
    [
      'a rule the config does not define',
      withForward({ rules: { github } }, { forward_rules: ['github', 'nope'] }),
      `${FILE}: services.agent.forward_rules[1]: names rule nope, which forward_proxy.rules does not define`,
    ],
    [
      'a host both intercepted and tunnelled',
      withForward({ rules: { github }, tunnel_hosts: ['api.github.com'] }),
      `${FILE}: forward_proxy.tunnel_hosts: api.github.com is also a host of rule github: a host is intercepted or tunnelled, not both`,
    ],
    [
      'a host in two rules',
      withForward({ rules: { github, other: { ...github, hosts: ['api.github.com'] } } }),
      `${FILE}: forward_proxy.rules.other.hosts: api.github.com is also a host of rule github: one rule per host`,
    ],
    [
      'an injected header HTTP manages',
      withForward({ rules: { github: { ...github, inject: { header: 'Host', value: KEY } } } }),
      `${FILE}: forward_proxy.rules.github.inject.header: is host, which HTTP itself manages: inject another header`,
    ],
  ])('refuses %s, naming the key and never the value', (_name, document, line) => {
    const lines = linesOf(document);

    expect(lines).toContain(line);
    expect(lines.join('\n')).not.toContain(KEY);
  });

  it('warns about client_auth: none', () => {
    const { warnings } = parse(withForward({ rules: { github }, client_auth: 'none' }));

    expect(warnings.map((w) => [w.path, w.code])).toEqual([
      ['forward_proxy.client_auth', 'CLIENT_AUTH_NONE_EXPOSED'],
    ]);
  });
});
