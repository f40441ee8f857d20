import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Env } from '../config/env.js';
import type { LogLevel } from '../config/types.js';
import { CredproxyError } from '../errors.js';
import { VERSION } from '../version.js';
import { EXIT_OK, exitCodeForCommander } from './exitCodes.js';
import { envLogLevel, LOG_LEVELS, toLogLevel } from './logLevel.js';
import { reportError } from './reportError.js';
import type { Serving, StartApp } from './serveCommand.js';
import type { OutputFormat } from './validateCommand.js';

export const DEFAULT_CONFIG_FILE = '/credproxy/config.yaml';
/** Repeated here so `--help` does not load the command (credentialProcessCommand.ts). */
const DEFAULT_CREDENTIALS_URL = 'http://127.0.0.1:1338/v1/credentials';

export interface CliContext {
  /** Arguments after the program name (`process.argv.slice(2)`). */
  readonly argv: readonly string[];
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly startApp?: StartApp;
}

/** Either the process is done (exit with `code`), or the app is serving until a signal. */
export type CliOutcome =
  | { readonly kind: 'exit'; readonly code: number }
  | ({ readonly kind: 'serving' } & Serving);

interface RootOptions {
  config?: string;
  validateOnly?: boolean;
  format?: OutputFormat;
  logLevel?: LogLevel;
  dev?: boolean;
}

/** Parses the command line and runs the command. Never exits the process: main.ts does. */
export async function runCli(context: CliContext): Promise<CliOutcome> {
  let outcome: CliOutcome = { kind: 'exit', code: EXIT_OK };
  let verbose = false;
  const program = createProgram(context);
  program.action(async (options: RootOptions) => {
    if (options.format !== undefined && options.validateOnly !== true) {
      throw new CredproxyError('USAGE', '--format applies only with --validate-only');
    }
    // The flag and --dev beat the environment, so CREDPROXY_LOG_LEVEL is only read without them.
    const level = options.logLevel ?? (options.dev === true ? 'debug' : envLogLevel(context.env));
    verbose = level === 'debug' || level === 'trace';
    const configFile =
      options.config ?? nonEmpty(context.env.CREDPROXY_CONFIG_FILE) ?? DEFAULT_CONFIG_FILE;
    // Commands are imported when run: `credential-process` runs on every SDK credential fetch
    // and must not pay for loading the config pipeline (the bundle splits on these imports).
    if (options.validateOnly === true) {
      const { runValidate } = await import('./validateCommand.js');
      const code = await runValidate({
        ...context,
        configFile,
        format: options.format ?? 'text',
        verbose,
      });
      outcome = { kind: 'exit', code };
      return;
    }
    const { runServe } = await import('./serveCommand.js');
    const serving = await runServe({
      configFile,
      env: context.env,
      logLevelFlag: options.logLevel,
      dev: options.dev === true,
      ...(context.startApp === undefined ? {} : { startApp: context.startApp }),
    });
    outcome = { kind: 'serving', ...serving };
  });
  program
    .command('schema')
    .description('print the JSON Schema of the configuration file')
    .action(async () => {
      const { runSchema } = await import('./schemaCommand.js');
      outcome = { kind: 'exit', code: runSchema(context.stdout) };
    });
  program
    .command('credential-process')
    .description(
      'print credentials as credential_process JSON (Version 1), fetched from the credential endpoint',
    )
    .option(
      '--url <url>',
      `credential endpoint (env AWS_CONTAINER_CREDENTIALS_FULL_URI, default ${DEFAULT_CREDENTIALS_URL})`,
    )
    .option(
      '--token-file <file>',
      'file holding the token (env AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, else AWS_CONTAINER_AUTHORIZATION_TOKEN); never pass a token itself on the command line',
    )
    .action(async (options: { url?: string; tokenFile?: string }) => {
      const { runCredentialProcess } = await import('./credentialProcessCommand.js');
      const code = await runCredentialProcess({
        url: options.url,
        tokenFile: options.tokenFile,
        env: context.env,
        stdout: context.stdout,
        stderr: context.stderr,
      });
      outcome = { kind: 'exit', code };
    });
  addJwtCommands(program, context, (code) => {
    outcome = { kind: 'exit', code };
  });
  const ca = program.command('ca').description("the forward proxy's CA (forward_proxy.ca)");
  for (const [action, description] of [
    ['init', 'create the CA certificate and key (key mode 0600) unless they exist'],
    ['export', 'print the CA certificate (PEM) for workloads to trust'],
  ] as const) {
    ca.command(action)
      .description(description)
      .action(async (_options: unknown, command: Command) => {
        const { runCa } = await import('./caCommand.js');
        // --config is the root program's option: `credproxy ca init --config FILE` sets it.
        const { config } = command.optsWithGlobals<RootOptions>();
        const configFile =
          config ?? nonEmpty(context.env.CREDPROXY_CONFIG_FILE) ?? DEFAULT_CONFIG_FILE;
        const code = await runCa({ ...context, action, configFile });
        outcome = { kind: 'exit', code };
      });
  }
  try {
    await program.parseAsync([...context.argv], { from: 'user' });
    return outcome;
  } catch (error) {
    if (error instanceof CommanderError)
      return { kind: 'exit', code: exitCodeForCommander(error.code) };
    return { kind: 'exit', code: reportError(error, { stderr: context.stderr, verbose }) };
  }
}

/** `credproxy jwt keygen|mint`; jose is imported only when one of them runs. */
function addJwtCommands(program: Command, context: CliContext, done: (code: number) => void): void {
  const jwt = program.command('jwt').description('make a JWT signing key, and mint tokens with it');
  jwt
    .command('keygen')
    .description('write an ES256 private key (mode 0600) and its public JWKS into DIR')
    .requiredOption('--out <dir>', 'directory to write jwt-signing-key.pem and jwks.json into')
    .action(async (options: { out: string }) => {
      const { runKeygen } = await import('./jwtCommand.js');
      done(await runKeygen(options, context.stdout));
    });
  jwt
    .command('mint')
    .description('print a compact JWT signed with KEY (no trailing newline)')
    .requiredOption('--key <file>', 'the PEM private key (from jwt keygen)')
    .requiredOption('--issuer <iss>', 'the iss claim')
    .requiredOption('--audience <aud>', 'the aud claim')
    .option(
      '--claim <key=value>',
      'a claim, repeatable: key=value for a string, key:=JSON for any JSON value',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--subject <sub>', 'the sub claim')
    .option('--ttl <duration>', 'lifetime: 900, 900s, 15m, 1h or 1d', '15m')
    .action(
      async (options: {
        key: string;
        issuer: string;
        audience: string;
        claim: string[];
        ttl: string;
        subject?: string;
      }) => {
        const { runMint } = await import('./jwtCommand.js');
        done(await runMint(options, context.stdout));
      },
    );
}

function createProgram(context: CliContext): Command {
  return (
    new Command('credproxy')
      .description(
        'Assume IAM roles with STS and serve the credentials on the ECS container credential endpoint.',
      )
      .version(`credproxy ${VERSION}`, '--version', 'print the version and exit')
      .addOption(
        new Option(
          '--config <file>',
          `configuration file (env CREDPROXY_CONFIG_FILE, default ${DEFAULT_CONFIG_FILE})`,
        ),
      )
      .option('--validate-only', 'load, substitute and validate the configuration, then exit')
      .addOption(
        new Option('--format <format>', 'output of --validate-only').choices(['text', 'json']),
      )
      .addOption(
        new Option(
          '--log-level <level>',
          `${LOG_LEVELS.join(', ')} (env CREDPROXY_LOG_LEVEL, default info)`,
        ).argParser(parseLogLevel),
      )
      .option('--dev', 'debug log level and human-readable logs')
      // With a root action, commander would take `help` for a stray argument (exit 2).
      .helpCommand('help [command]', 'print this help, or the help of a command')
      .exitOverride()
      .configureOutput({ writeOut: context.stdout, writeErr: context.stderr })
  );
}

function parseLogLevel(raw: string): LogLevel {
  const level = toLogLevel(raw);
  if (level === undefined)
    throw new InvalidArgumentError(`must be one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
