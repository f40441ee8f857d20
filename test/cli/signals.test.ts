import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { handleSignals } from '../../src/cli/signals.js';
import { CredproxyError } from '../../src/errors.js';
import type { RunningApp } from '../../src/sidecar/startApp.js';

/** A fake app whose stop() stays pending until `finishStop` is called. */
function fakeApp(stopOutcome: 'resolve' | 'reject' = 'resolve') {
  const calls: string[] = [];
  let finishStop = (): void => {};
  const app: RunningApp = {
    credentialsUrl: 'http://127.0.0.1:1',
    metricsUrl: undefined,
    primed: Promise.resolve(),
    reload: async () => {
      calls.push('reload');
      throw new CredproxyError('CONFIG_INVALID', 'config.yaml: server.port: must be a port number');
    },
    stop: () => {
      calls.push('stop');
      return new Promise<void>((resolve, reject) => {
        finishStop = () => (stopOutcome === 'resolve' ? resolve() : reject(new Error('stuck')));
      });
    },
  };
  return { app, calls, finishStop: () => finishStop() };
}

function setup(stopOutcome: 'resolve' | 'reject' = 'resolve', attach = true) {
  const source = new EventEmitter();
  const exits: number[] = [];
  let stderr = '';
  const fake = fakeApp(stopOutcome);
  const control = handleSignals(source, {
    exit: (code) => exits.push(code),
    stderr: (text) => {
      stderr += text;
    },
  });
  if (attach) control.attach(fake.app, { verbose: false });
  return { source, exits, fake, control, stderr: () => stderr };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('handleSignals', () => {
  it.each([['SIGTERM'], ['SIGINT']])('stops the app on %s, then exits 0', async (signal) => {
    const { source, exits, fake } = setup();

    source.emit(signal);
    await settle();
    const beforeStopEnds = [...exits];
    fake.finishStop();
    await settle();

    expect(fake.calls).toEqual(['stop']);
    expect(beforeStopEnds).toEqual([]);
    expect(exits).toEqual([0]);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ])('exits at once with 128 + signal on a second %s', async (signal, code) => {
    const { source, exits, fake } = setup();

    source.emit('SIGTERM');
    source.emit(signal);
    await settle();

    expect(fake.calls).toEqual(['stop']);
    expect(exits).toEqual([code]);
  });

  it('exits 1 when stopping fails', async () => {
    const { source, exits, fake, stderr } = setup('reject');

    source.emit('SIGTERM');
    fake.finishStop();
    await settle();

    expect(exits).toEqual([1]);
    expect(stderr()).toBe(
      'error: unexpected internal error (run with --log-level debug for details)\n',
    );
  });

  it('applies a stop signal received while the app was starting once it has started', async () => {
    const { source, exits, fake, control } = setup('resolve', false);

    source.emit('SIGTERM');
    source.emit('SIGHUP');
    await settle();
    const beforeStart = [...fake.calls];
    control.attach(fake.app, { verbose: false });
    fake.finishStop();
    await settle();

    expect(beforeStart).toEqual([]);
    expect(fake.calls).toEqual(['stop']);
    expect(exits).toEqual([0]);
  });

  it('exits at once on a second signal while the app is still starting', async () => {
    const { source, exits, fake } = setup('resolve', false);

    source.emit('SIGINT');
    source.emit('SIGINT');
    await settle();

    expect(fake.calls).toEqual([]);
    expect(exits).toEqual([130]);
  });

  it('reloads on SIGHUP and keeps running when the reload fails', async () => {
    const { source, exits, fake, stderr } = setup();

    source.emit('SIGHUP');
    await settle();

    expect(fake.calls).toEqual(['reload']);
    expect(exits).toEqual([]);
    expect(stderr()).toBe('error: config.yaml: server.port: must be a port number\n');
  });
});
