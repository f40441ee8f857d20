import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { useTempDir } from '../config/tempDir.js';
import { runCredproxy, startCredproxy } from './runCredproxy.js';

const TOKEN = 'k7Qw9Zr2Lp5Xv8Nc3Bt6Hy1Jm4Df0GsT5uW2eR8';

function configOn(port: number): string {
  return [
    'aws_defaults: {region: us-east-1}',
    `server: {port: ${port}}`,
    'metrics: {prometheus: {port: 0}}',
    'services:',
    `  app1: {auth_token: ${TOKEN}, assumed_role: {RoleArn: "arn:aws:iam::123456789012:role/A"}}`,
  ].join('\n');
}

/** Resolves once the child has written `text` to stdout (its "listening" log line). */
function waitForOutput(child: ChildProcessWithoutNullStreams, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    // Keep reading after the match: a closed pipe would make the child's next log line fail.
    child.stdout.on('data', (chunk) => {
      seen += String(chunk);
      if (seen.includes(text)) resolve();
    });
    child.stderr.resume();
    child.once('exit', () => reject(new Error(`exited before printing ${text}`)));
  });
}

describe('credproxy serving (the real binary)', () => {
  const temp = useTempDir();
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  it('exits 1 with the message when its port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    const file = temp.write('config.yaml', configOn(port));

    const run = runCredproxy(['--config', file], { HOME: temp.path() });
    blocker.close();

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^error: [^\\n]*${port}[^\\n]*\\n`, 'm'));
  });

  it('prints no AWS SDK Node version warning, even after building its STS client', async () => {
    const file = temp.write('config.yaml', configOn(0));
    child = startCredproxy(['--config', file], { HOME: temp.path() });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });

    // "not ready" comes after the first AssumeRole failed: the SDK client has been built.
    await waitForOutput(child, 'not ready');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;

    expect(stderr).not.toContain('NodeVersionSupportWarning');
    expect(stderr).toBe('');
  });

  it.each([['SIGTERM'], ['SIGINT']] as const)(
    'stops gracefully on %s and exits 0, after a SIGHUP reload',
    async (signal) => {
      const file = temp.write('config.yaml', configOn(0));
      child = startCredproxy(['--config', file], { HOME: temp.path() });
      await waitForOutput(child, 'listening on');

      child.kill('SIGHUP');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const aliveAfterReload = child.exitCode === null;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = await exited;

      expect(aliveAfterReload).toBe(true);
      expect(code).toBe(0);
    },
  );
});
