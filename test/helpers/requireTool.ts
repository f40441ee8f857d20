import { spawnSync } from 'node:child_process';

/**
 * Tests that need a tool a fresh machine may lack (moto_server, python3 with boto3, aws) skip
 * with a printed reason when it is missing. `.ci/run` sets CREDPROXY_REQUIRE_ALL_TESTS=1, which
 * turns every such skip into a failure, so CI always runs them.
 */
export const REQUIRE_ALL = /^(1|true|yes)$/i.test(process.env.CREDPROXY_REQUIRE_ALL_TESTS ?? '');

export interface ToolCheck {
  readonly available: boolean;
  readonly reason: string;
}

export function checkCommand(command: string, args: string[], what: string): ToolCheck {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  const available = result.status === 0;
  const reason = available ? '' : `${what} is not available (${command} ${args.join(' ')} failed)`;
  return report({ available, reason });
}

function report(check: ToolCheck): ToolCheck {
  if (!check.available) {
    if (REQUIRE_ALL) {
      throw new Error(`CREDPROXY_REQUIRE_ALL_TESTS is set but ${check.reason}`);
    }
    console.warn(`SKIPPED: ${check.reason}`);
  }
  return check;
}

export const hasMoto = () => checkCommand('moto_server', ['--help'], 'moto_server');
export const hasBoto3 = () => checkCommand('python3', ['-c', 'import boto3'], 'python3 with boto3');
export const hasAwsCli = () => checkCommand('aws', ['--version'], 'the AWS CLI');
