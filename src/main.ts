#!/usr/bin/env -S node --max-semi-space-size=2
/**
 * The process shell: argv and environment in, signals, exit codes out. The only file that
 * calls process.exit; everything else returns codes (see cli/exitCodes.ts).
 *
 * --max-semi-space-size=2 (here, in `npm start` and in the image's ENTRYPOINT): priming many
 * services grows V8's young generation to 2 x 16 MB, which stays resident after every GC; a
 * 2 MB semi-space keeps 1,000 services under 80 MB (docs/benchmarks.md, figure 4). V8 reads
 * the flag only when the process starts, so it cannot be set from code.
 */
import { runCli } from './cli/program.js';
import { handleSignals } from './cli/signals.js';

const stdout = (text: string): void => {
  process.stdout.write(text);
};
const stderr = (text: string): void => {
  process.stderr.write(text);
};

/** Exits once both streams have flushed, so a long JSON result is never cut short. */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = (): void => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

// Under Node < 22 the AWS SDK prints an 8-line NodeVersionSupportWarning each time it starts;
// credproxy logs one line of its own instead (nodeSupportWarning in version.ts). The SDK reads
// this variable when it builds a client; a user who sets it either way keeps their choice.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const signals = handleSignals(process, { exit: exitAfterFlush, stderr });
const outcome = await runCli({ argv: process.argv.slice(2), env: process.env, stdout, stderr });
if (outcome.kind === 'exit') {
  exitAfterFlush(outcome.code);
} else {
  signals.attach(outcome.app, {
    verbose: outcome.logLevel === 'debug' || outcome.logLevel === 'trace',
  });
}
