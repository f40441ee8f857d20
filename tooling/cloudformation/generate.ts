/**
 * Writes a credproxy multi-SDK demo from the outputs of a credproxy-roles.yaml stack.
 *
 *   aws cloudformation describe-stacks --stack-name credproxy-demo > stack.json
 *   npx tsx tooling/cloudformation/generate.ts --stack-json stack.json --out demo/
 *
 * --stack-json FILE   describe-stacks JSON; `-` (the default) reads standard input
 * --out DIR           output directory (created; generated files are overwritten, tokens kept)
 * --region REGION     STS region (default: the stack's region)
 * --port N            credproxy's port (default 1338); --metrics-port N (default 9090)
 * --image IMAGE       credproxy image in the compose file (default credproxy:local)
 *
 * Token files (tokens/NAME.token) are created once, random, mode 0600, without a trailing
 * newline; run again after a stack update and existing tokens stay.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { readStackOutputs } from './readStackOutputs.js';
import { DEFAULT_DEMO_OPTIONS, renderDemo, tokenPath } from './renderDemo.js';

const USAGE =
  'usage: generate.ts --out DIR [--stack-json FILE|-] [--region R] [--port N] [--metrics-port N] [--image IMAGE]';

function main(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'stack-json': { type: 'string', default: '-' },
      out: { type: 'string' },
      region: { type: 'string' },
      port: { type: 'string' },
      'metrics-port': { type: 'string' },
      image: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.out === undefined) throw new UsageError('--out DIR is required');

  const source = values['stack-json'];
  const text = source === '-' ? readFileSync(0, 'utf8') : readFileSync(source, 'utf8');
  const stack = readStackOutputs(JSON.parse(text));
  const regioned = values.region === undefined ? stack : { ...stack, region: values.region };
  const files = renderDemo(regioned, {
    port: toPort(values.port, DEFAULT_DEMO_OPTIONS.port, '--port'),
    metricsPort: toPort(values['metrics-port'], DEFAULT_DEMO_OPTIONS.metricsPort, '--metrics-port'),
    image: values.image ?? DEFAULT_DEMO_OPTIONS.image,
  });

  const out = values.out;
  for (const [path, content] of files) {
    const target = join(out, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  const created: string[] = [];
  mkdirSync(join(out, 'tokens'), { recursive: true, mode: 0o700 });
  for (const service of stack.services) {
    const target = join(out, tokenPath(service));
    if (existsSync(target)) continue;
    // No trailing newline: the SDKs send the file's bytes as the Authorization header.
    writeFileSync(target, randomBytes(32).toString('hex'), { mode: 0o600 });
    created.push(target);
  }

  const names = stack.services.map((service) => service.name);
  process.stdout.write(
    [
      `wrote ${out}: config.yaml (static: ${names[0]}), ${names.length - 1} dynamic service file(s), docker-compose.yaml, clients/`,
      created.length > 0 ? `new tokens: ${created.join(', ')}` : 'tokens: kept the existing ones',
      `check it:  node dist/main.js --config ${join(out, 'config.yaml')} --validate-only`,
      `run it:    cd ${out} && docker compose up -d credproxy && docker compose run --rm ${names[0]}`,
      '',
    ].join('\n'),
  );
  return 0;
}

class UsageError extends Error {}

function toPort(raw: string | undefined, fallback: number, flag: string): number {
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${flag} must be a port number`);
  }
  return port;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  const usage =
    error instanceof UsageError ||
    (error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
  process.stderr.write(`generate.ts: ${error instanceof Error ? error.message : String(error)}\n`);
  if (usage) process.stderr.write(`${USAGE}\n`);
  process.exitCode = usage ? 2 : 1;
}
