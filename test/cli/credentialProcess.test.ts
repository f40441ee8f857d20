import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCredentialProcess } from '../../src/cli/credentialProcessCommand.js';
import { runCli } from '../../src/cli/program.js';
import { useTempDir } from '../config/tempDir.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { flushMicrotasks } from '../helpers/fakeClock.js';
import { type InProcess, startInProcess } from '../helpers/startInProcess.js';

const app = makeService('cp-app');

/** `credproxy ...argv` in this process, with captured output and exactly `env`. */
async function cli(argv: string[], env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '' };
  const outcome = await runCli({
    argv,
    env,
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
  });
  return { code: outcome.kind === 'exit' ? outcome.code : -1, ...out };
}

describe('credproxy credential-process against a running sidecar', () => {
  const dir = useTempDir();
  let t: InProcess;
  let url: string;

  beforeAll(async () => {
    t = await startInProcess(makeConfig([app]));
    await flushMicrotasks();
    url = `${t.url}/v1/credentials`;
  });

  afterAll(async () => {
    await t.sidecar.stop();
  });

  it('prints the Version 1 JSON of the set the endpoint serves, one line, SessionToken not Token', async () => {
    const file = dir.write('token', app.authToken);

    const run = await cli(['credential-process', '--url', url, '--token-file', file]);
    const served = (await (await t.get('/v1/credentials', app.authToken)).json()) as Record<
      string,
      string
    >;

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(run.stdout.trimEnd().includes('\n')).toBe(false);
    expect(JSON.parse(run.stdout)).toEqual({
      Version: 1,
      AccessKeyId: served.AccessKeyId,
      SecretAccessKey: served.SecretAccessKey,
      SessionToken: served.Token,
      Expiration: served.Expiration,
      AccountId: '123456789012',
    });
  });

  it('reads a token file with a trailing newline (an editor adds one) as the token', async () => {
    const file = dir.write('token', `${app.authToken}\n`);

    const run = await cli(['credential-process', '--url', url, '--token-file', file]);

    expect(run.code).toBe(0);
  });

  it.each([
    [
      'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE over AWS_CONTAINER_AUTHORIZATION_TOKEN',
      (file: string) => ({
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'wrong-token',
      }),
      [] as string[],
    ],
    [
      'AWS_CONTAINER_AUTHORIZATION_TOKEN alone',
      () => ({ AWS_CONTAINER_AUTHORIZATION_TOKEN: app.authToken }),
      [] as string[],
    ],
    [
      '--token-file over both variables',
      () => ({
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/nonexistent',
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'wrong-token',
      }),
      ['--token-file'],
    ],
  ])('takes the token from %s', async (_case, envOf, flags) => {
    const file = dir.write('token', app.authToken);
    const argv = [
      'credential-process',
      '--url',
      url,
      ...(flags.length > 0 ? [...flags, file] : []),
    ];

    const run = await cli(argv, envOf(file));

    expect(run).toMatchObject({ code: 0, stderr: '' });
  });

  it('takes the URL from AWS_CONTAINER_CREDENTIALS_FULL_URI when --url is absent', async () => {
    const run = await cli(['credential-process'], {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: url,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: app.authToken,
    });

    expect(run.code).toBe(0);
  });

  it("exits 1 with the endpoint's code on a wrong token, and never prints the token", async () => {
    const wrong = `${app.authToken}-wrong`;
    const file = dir.write('token', wrong);

    const run = await cli(['credential-process', '--url', url, '--token-file', file]);

    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: the endpoint answered 403 INVALID_TOKEN: the authorization token is not valid\n',
    });
    expect(run.stderr).not.toContain(wrong);
  });

  it('exits 1 naming the file and the system error when the token file cannot be read', async () => {
    const missing = join(dir.path(), 'missing');

    const run = await cli(['credential-process', '--url', url, '--token-file', missing]);

    expect(run).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `error: cannot read the token file ${missing} (ENOENT)\n`,
    });
  });

  it.each([
    [
      'no token anywhere',
      ['credential-process', '--url', 'http://127.0.0.1:1/v1/credentials'],
      'error: no token: pass --token-file, or set AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN (see credproxy --help)\n',
    ],
    [
      'plain http to another host',
      ['credential-process', '--url', 'http://10.0.0.5:1338/v1/credentials'],
      'error: --url must be https, or http to a loopback address (the token would cross the network in clear) (see credproxy --help)\n',
    ],
    [
      'a URL that does not parse',
      ['credential-process', '--url', 'not a url'],
      'error: --url is not a valid URL (see credproxy --help)\n',
    ],
  ])('exits 2 on %s', async (_case, argv, stderr) => {
    const run = await cli(argv);

    expect(run).toEqual({ code: 2, stdout: '', stderr });
  });

  it('offers no flag that takes the token itself: argv is visible to every user in ps', async () => {
    const run = await cli(['credential-process', '--token', app.authToken, '--url', url]);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe("error: unknown option '--token'\n");
  });
});

describe('runCredentialProcess retries', () => {
  let server: Server;
  let url: string;
  let answers: Array<{ status: number; body: string; headers?: Record<string, string> }>;
  let requests: Array<string | undefined>;
  const sleeps: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.headers.authorization);
      const answer = answers.shift() ?? { status: 500, body: '{}' };
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/credentials`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  afterEach(() => {
    sleeps.length = 0;
  });

  async function run(env: Record<string, string> = { AWS_CONTAINER_AUTHORIZATION_TOKEN: 'tok' }) {
    const out = { stdout: '', stderr: '' };
    const code = await runCredentialProcess({
      url,
      tokenFile: undefined,
      env,
      stdout: (text) => {
        out.stdout += text;
      },
      stderr: (text) => {
        out.stderr += text;
      },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    return { code, ...out };
  }

  const COLD = {
    status: 503,
    headers: { 'Retry-After': '3' },
    body: '{"code":"CREDENTIALS_PENDING","message":"first AssumeRole pending"}',
  };
  const OK = {
    status: 200,
    body: '{"AccessKeyId":"ASIAX","SecretAccessKey":"s","Token":"t","Expiration":"2026-11-25T13:00:00Z"}',
  };

  it('tries a cold service (503) 3 times in all, each pause capped at 1 s, and prints the set', async () => {
    answers = [COLD, COLD, OK];
    requests = [];

    const result = await run();

    expect(result).toEqual({
      code: 0,
      stdout:
        '{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-11-25T13:00:00Z"}\n',
      stderr: '',
    });
    expect(requests).toEqual(['tok', 'tok', 'tok']);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('gives up after 3 tries of 503, with the last code', async () => {
    answers = [COLD, COLD, COLD, OK];
    requests = [];

    const result = await run();

    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: the endpoint answered 503 CREDENTIALS_PENDING: first AssumeRole pending\n',
    });
    expect(requests).toHaveLength(3);
  });

  it('does not retry a refusal (403) and prints only a well-formed code from the body', async () => {
    answers = [{ status: 403, body: '{"code":"<script>","message":"x\\u0007y"}' }, OK];
    requests = [];

    const result = await run();

    expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: the endpoint answered 403\n' });
    expect(requests).toHaveLength(1);
  });

  it('exits 1 when a 200 lacks a credential key, naming the key', async () => {
    answers = [{ status: 200, body: '{"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"x"}' }];
    requests = [];

    const result = await run();

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: the endpoint answered 200 without Token\n');
  });

  it('tries a closed port 3 times, then names the address and the error', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const out = { stderr: '' };

    const code = await runCredentialProcess({
      url: `http://127.0.0.1:${closed}/v1/credentials`,
      tokenFile: undefined,
      env: { AWS_CONTAINER_AUTHORIZATION_TOKEN: 'tok' },
      stdout: () => undefined,
      stderr: (text) => {
        out.stderr += text;
      },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });

    expect(code).toBe(1);
    expect(out.stderr).toBe(`error: cannot reach http://127.0.0.1:${closed} (ECONNREFUSED)\n`);
    expect(sleeps).toEqual([1000, 1000]);
  });
});
