import { describe, expect, it } from 'vitest';
import { createReloadQueue } from '../../src/sidecar/createReloadQueue.js';
import { toConfigChanges } from '../../src/sidecar/toConfigChanges.js';
import { toConnectHint } from '../../src/sidecar/toConnectHint.js';
import { makeConfig } from '../helpers/configs.js';

describe('createReloadQueue', () => {
  it('runs one reload at a time and folds every request made meanwhile into one more', async () => {
    const events: string[] = [];
    let release: () => void = () => undefined;
    let n = 0;
    const reload = createReloadQueue(async () => {
      n += 1;
      const run = n;
      events.push(`start ${run}`);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      events.push(`end ${run}`);
    });

    const first = reload();
    const waiting = Array.from({ length: 5 }, () => reload());
    release();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all(waiting);

    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });
});

describe('toConfigChanges', () => {
  const base = makeConfig([]);

  it('finds nothing to do for the same config', () => {
    expect(toConfigChanges(base, base)).toEqual({
      refreshPolicy: false,
      requestTimeout: false,
      needRestart: [],
    });
  });

  it('applies the credential timing keys and names every listener key as needing a restart', () => {
    const after = {
      ...base,
      server: { ...base.server, host: '0.0.0.0', debug: true },
      credentials: { ...base.credentials, retryDelaySeconds: 5, requestTimeoutSeconds: 9 },
      metrics: { ...base.metrics, port: 9999 },
    };

    expect(toConfigChanges(base, after)).toEqual({
      refreshPolicy: true,
      requestTimeout: true,
      needRestart: ['server.host', 'server.debug', 'metrics.prometheus.port'],
    });
  });
});

describe('toConnectHint', () => {
  it.each([
    ['http://127.0.0.1:1338', 'http://127.0.0.1:1338/v1/credentials'],
    ['http://0.0.0.0:1338', 'http://127.0.0.1:1338/v1/credentials'],
    ['http://[::]:1338', 'http://127.0.0.1:1338/v1/credentials'],
    ['http://[::1]:41000', 'http://[::1]:41000/v1/credentials'],
  ])('from %s names %s', (base, uri) => {
    expect(toConnectHint(base).fields.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe(uri);
  });
});
