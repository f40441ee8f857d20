import { describe, expect, it } from 'vitest';
import { resolveLogLevel, toLogLevel } from '../../src/cli/logLevel.js';

describe('toLogLevel', () => {
  it.each([
    ['trace', 'trace'],
    ['DEBUG', 'debug'],
    ['Info', 'info'],
    ['warn', 'warn'],
    ['WARNING', 'warn'],
    ['error', 'error'],
    ['FATAL', 'fatal'],
    [' info ', 'info'],
    ['critical', undefined],
    ['', undefined],
  ])('reads %j as %s', (raw, level) => {
    expect(toLogLevel(raw)).toBe(level);
  });
});

describe('resolveLogLevel', () => {
  it.each([
    [
      { flag: 'error', dev: true, env: { CREDPROXY_LOG_LEVEL: 'trace' }, configDebug: true },
      'error',
    ],
    [
      { flag: undefined, dev: true, env: { CREDPROXY_LOG_LEVEL: 'error' }, configDebug: false },
      'debug',
    ],
    [
      { flag: undefined, dev: false, env: { CREDPROXY_LOG_LEVEL: 'Error' }, configDebug: true },
      'error',
    ],
    [{ flag: undefined, dev: false, env: { CREDPROXY_LOG_LEVEL: '' }, configDebug: true }, 'debug'],
    [{ flag: undefined, dev: false, env: {}, configDebug: false }, 'info'],
  ] as const)('resolves %j to %s (flag > --dev > env > server.debug > info)', (sources, level) => {
    expect(resolveLogLevel(sources)).toBe(level);
  });

  it('rejects an invalid CREDPROXY_LOG_LEVEL as a usage error', () => {
    const resolve = () =>
      resolveLogLevel({
        flag: undefined,
        dev: false,
        env: { CREDPROXY_LOG_LEVEL: 'loud' },
        configDebug: false,
      });

    expect(resolve).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
