import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { CredproxyError } from '../../src/errors.js';
import type { RunningApp, StartAppOptions } from '../../src/sidecar/startApp.js';
import { useTempDir } from '../config/tempDir.js';

const TOKEN = 'k7Qw9Zr2Lp5Xv8Nc3Bt6Hy1Jm4Df0GsT5uW2eR8';
const APP: RunningApp = {
  credentialsUrl: 'http://127.0.0.1:1338',
  metricsUrl: undefined,
  primed: Promise.resolve(),
  reload: async () => {},
  stop: async () => {},
};

/** runCli with captured output and a fake startApp that records what it was given. */
async function serve(
  argv: string[],
  env: Record<string, string>,
  startApp?: (o: StartAppOptions) => Promise<RunningApp>,
) {
  const out = { stdout: '', stderr: '', started: [] as StartAppOptions[] };
  const outcome = await runCli({
    argv,
    env,
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
    startApp:
      startApp ??
      (async (options) => {
        out.started.push(options);
        return APP;
      }),
  });
  return { outcome, ...out };
}

describe('runCli without --validate-only', () => {
  const temp = useTempDir();
  const config = (extra = '') =>
    temp.write(
      'config.yaml',
      `aws_defaults: {region: us-east-1}\nservices:\n  app1: {auth_token: ${TOKEN}, assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/A"}}\n${extra}`,
    );

  it('starts the app with the loaded config, info level and JSON logs by default', async () => {
    const file = config();

    const { outcome, started, stderr } = await serve(['--config', file], {});

    expect(outcome).toEqual({ kind: 'serving', app: APP, logLevel: 'info' });
    expect(stderr).toBe('');
    expect(started).toHaveLength(1);
    expect(started[0]?.loaded.config.services.map((service) => service.name)).toEqual(['app1']);
    expect(started[0]).toMatchObject({ logLevel: 'info', pretty: false });
  });

  it.each([
    [['--dev'], {}, '', 'debug', true],
    [['--dev', '--log-level', 'warn'], {}, '', 'warn', true],
    [[], { CREDPROXY_LOG_LEVEL: 'ERROR' }, '', 'error', false],
    [['--log-level', 'trace'], { CREDPROXY_LOG_LEVEL: 'error' }, '', 'trace', false],
    [[], {}, 'server: {debug: true}\n', 'debug', false],
    [[], { CREDPROXY_LOG_LEVEL: 'warning' }, 'server: {debug: true}\n', 'warn', false],
  ])(
    'with %j and env %j (file: %j) logs at %s, pretty %s',
    async (args, env, extra, level, pretty) => {
      const file = config(extra);

      const { started } = await serve(['--config', file, ...args], env);

      expect(started[0]).toMatchObject({ logLevel: level, pretty });
    },
  );

  it('hands the app a reloadConfig that re-reads the file', async () => {
    const file = config();
    const { started } = await serve(['--config', file], {});
    temp.write(
      'config.yaml',
      `aws_defaults: {region: us-east-1}\nservices:\n  renamed: {auth_token: ${TOKEN}, assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/A"}}\n`,
    );

    const reloaded = await started[0]?.reloadConfig();

    expect(reloaded?.config.services.map((service) => service.name)).toEqual(['renamed']);
  });

  it('does not start the app when the config is invalid, and exits 1', async () => {
    const file = config('server: {port: -1}\n');

    const { outcome, started, stderr } = await serve(['--config', file], {});

    expect(outcome).toEqual({ kind: 'exit', code: 1 });
    expect(started).toEqual([]);
    expect(stderr).toBe(
      `${file}: server.port: must be a port number from 0 to 65535 (0 picks a free port)\n`,
    );
  });

  it.each([['PORT_IN_USE'], ['LISTEN_FAILED']] as const)(
    'prints a %s error and exits 1',
    async (code) => {
      const file = config();
      const failing = async (): Promise<RunningApp> => {
        throw new CredproxyError(code, 'port 1338 on 127.0.0.1 is already in use');
      };

      const { outcome, stderr } = await serve(['--config', file], {}, failing);

      expect(outcome).toEqual({ kind: 'exit', code: 1 });
      expect(stderr).toBe('error: port 1338 on 127.0.0.1 is already in use\n');
    },
  );

  it('prints a generic line for an unexpected error, and its stack only at debug level', async () => {
    const file = config();
    const failing = async (): Promise<RunningApp> => {
      throw new Error(`boom with ${TOKEN}`);
    };

    const quiet = await serve(['--config', file], {}, failing);
    const verbose = await serve(['--config', file, '--log-level', 'debug'], {}, failing);

    const generic = 'error: unexpected internal error (run with --log-level debug for details)\n';
    expect(quiet.outcome).toEqual({ kind: 'exit', code: 1 });
    expect(quiet.stderr).toBe(generic);
    expect(verbose.stderr.startsWith(`${generic}Error: boom`)).toBe(true);
  });
});
