import { describe, expect, it } from 'vitest';
import type { ForwardProxyConfig } from '../../src/config/doorTypes.js';
import { toForwardHostPattern } from '../../src/config/toForwardProxyConfig.js';
import { decideForward } from '../../src/forward/decideForward.js';
import { parseAuthority } from '../../src/forward/parseAuthority.js';

const config: Pick<ForwardProxyConfig, 'rules' | 'tunnelHosts' | 'otherwise'> = {
  rules: [
    {
      name: 'github',
      hosts: ['api.github.com', '*.githubusercontent.com', 'git.example.com:8443'].map(
        toForwardHostPattern,
      ),
      inject: { header: 'authorization', value: 'k' },
    },
  ],
  tunnelHosts: ['pkgs.example.com'].map(toForwardHostPattern),
  otherwise: 'deny',
};
const agent = new Set(['github']);

describe('decideForward', () => {
  it.each([
    ['api.github.com', 443, agent, 'intercept'],
    ['api.github.com', 80, agent, 'intercept'],
    ['api.github.com', 8080, agent, 'HOST_NOT_ALLOWED'],
    ['raw.githubusercontent.com', 443, agent, 'intercept'],
    ['a.b.githubusercontent.com', 443, agent, 'HOST_NOT_ALLOWED'],
    ['githubusercontent.com', 443, agent, 'HOST_NOT_ALLOWED'],
    ['git.example.com', 8443, agent, 'intercept'],
    ['git.example.com', 443, agent, 'HOST_NOT_ALLOWED'],
    ['api.github.com', 443, new Set<string>(), 'RULE_NOT_ALLOWED'],
    ['api.github.com', 443, 'all' as const, 'intercept'],
    ['pkgs.example.com', 443, new Set<string>(), 'tunnel'],
    ['pkgs.example.com', 22, agent, 'HOST_NOT_ALLOWED'],
    ['example.org', 443, agent, 'HOST_NOT_ALLOWED'],
  ])('%s:%i for %o → %s', (host, port, allowed, expected) => {
    const decision = decideForward(config, host, port, allowed);

    expect(decision.kind === 'refuse' ? decision.code : decision.kind).toBe(expected);
  });

  it('tunnels other hosts on 443 and 80 only with otherwise: tunnel', () => {
    const open = { ...config, otherwise: 'tunnel' as const };

    expect(decideForward(open, 'example.org', 443, agent).kind).toBe('tunnel');
    expect(decideForward(open, 'example.org', 25, agent).kind).toBe('refuse');
    expect(decideForward(open, 'api.github.com', 443, new Set<string>()).kind).toBe('refuse');
  });
});

describe('parseAuthority', () => {
  it.each([
    ['API.GitHub.com:443', { host: 'api.github.com', port: 443 }],
    ['[::1]:8443', { host: '::1', port: 8443 }],
    ['127.0.0.1:80', { host: '127.0.0.1', port: 80 }],
    ['api.github.com', undefined],
    ['user@api.github.com:443', undefined],
    ['api.github.com:0', undefined],
    ['api.github.com:443/path', undefined],
    ['-bad-.com:443', undefined],
  ])('%s → %o', (text, expected) => {
    expect(parseAuthority(text)).toEqual(expected);
  });
});
