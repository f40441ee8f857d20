import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCredproxy } from './runCredproxy.js';

const MINIMAL = 'test/fixtures/config/valid/minimal.yaml';
const LEVELS = 'must be one of trace, debug, info, warn, error, fatal';

describe('credproxy command line', () => {
  it.each([
    [['--bogus'], "error: unknown option '--bogus'\n"],
    [['extra'], 'error: too many arguments. Expected 0 arguments but got 1.\n'],
    [
      ['--log-level', 'verbose'],
      `error: option '--log-level <level>' argument 'verbose' is invalid. ${LEVELS}\n`,
    ],
    [
      ['--validate-only', '--format', 'xml'],
      "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, json.\n",
    ],
    [
      ['--format', 'json'],
      'error: --format applies only with --validate-only (see credproxy --help)\n',
    ],
    [['--config'], "error: option '--config <file>' argument missing\n"],
  ])('exits 2 on the usage error %j', (args, stderr) => {
    const run = runCredproxy(args);

    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(stderr);
  });

  it('exits 2 on an invalid CREDPROXY_LOG_LEVEL', () => {
    const run = runCredproxy(['--config', MINIMAL, '--validate-only'], {
      CREDPROXY_LOG_LEVEL: 'loud',
    });

    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `error: CREDPROXY_LOG_LEVEL ${LEVELS} (case-insensitive) (see credproxy --help)\n`,
    );
  });

  it('ignores CREDPROXY_LOG_LEVEL when --log-level is given', () => {
    const run = runCredproxy(['--config', MINIMAL, '--validate-only', '--log-level', 'info'], {
      CREDPROXY_LOG_LEVEL: 'loud',
    });

    expect(run.status).toBe(0);
  });

  it.each([['WARNING'], ['Debug'], ['fatal']])('accepts --log-level %s in any case', (level) => {
    const run = runCredproxy(['--config', MINIMAL, '--validate-only', '--log-level', level]);

    expect(run.status).toBe(0);
  });

  it('prints the version from package.json and exits 0', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

    const run = runCredproxy(['--version']);

    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`credproxy ${version}\n`);
  });

  it.each([[['--help']], [['help']], [['-h']]])('prints help for %j and exits 0', (args) => {
    const run = runCredproxy(args);

    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('Usage: credproxy [options] [command]');
    expect(run.stdout).toContain('--validate-only');
    expect(run.stdout).toContain('schema');
    expect(run.stdout).toContain('help [command]');
  });

  it('prints the help of a command with `credproxy help schema`', () => {
    const run = runCredproxy(['help', 'schema']);

    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: credproxy schema [options]');
  });

  it('prints the JSON Schema with `credproxy schema`', () => {
    const run = runCredproxy(['schema']);

    expect(run.status).toBe(0);
    expect(run.stdout).toBe(readFileSync('schema/credproxy.schema.json', 'utf8'));
    expect(JSON.parse(run.stdout).$id).toBe('https://credproxy.dev/schema/credproxy.schema.json');
  });
});
