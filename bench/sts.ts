import { spawnSync } from 'node:child_process';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type Moto, motoEnv, startMoto } from '../test/helpers/moto.js';
import { median } from './stats.js';

export { type Moto, motoEnv, startMoto };

/** Why the STS figures cannot run, or undefined when moto_server is installed. */
export function motoMissing(): string | undefined {
  const result = spawnSync('moto_server', ['--help'], { stdio: 'ignore', timeout: 30_000 });
  return result.status === 0
    ? undefined
    : 'moto_server is not installed (pip install moto[server])';
}

export interface StsRoundTrip {
  /** A new client's first AssumeRole: connect, sign, call, parse (what a start pays). */
  readonly coldMs: number;
  /** The same client's next call, on a kept-alive connection. */
  readonly warmMs: number;
}

/** Median AssumeRole round trip against `moto` with the SDK credproxy uses. */
export async function measureAssumeRole(moto: Moto, rounds: number): Promise<StsRoundTrip> {
  const cold: number[] = [];
  const warm: number[] = [];
  const env = motoEnv(moto);
  for (let round = 0; round < rounds; round += 1) {
    const client = new STSClient({
      region: 'us-east-1',
      endpoint: moto.url,
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID as string,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY as string,
      },
    });
    const command = () =>
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::123456789012:role/bench',
        RoleSessionName: 'bench',
        DurationSeconds: 3600,
      });
    let started = performance.now();
    await client.send(command());
    cold.push(performance.now() - started);
    started = performance.now();
    await client.send(command());
    warm.push(performance.now() - started);
    client.destroy();
  }
  return { coldMs: median(cold), warmMs: median(warm) };
}
