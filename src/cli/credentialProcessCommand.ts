/**
 * `credproxy credential-process`: the credential_process side of a profile. It runs once per
 * SDK credential fetch, so it must start fast: this module is imported lazily and imports only
 * node built-ins and the error codes, never the config pipeline or the AWS SDK.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { request as requestTls } from 'node:https';
import type { Env } from '../config/env.js';
import { CredproxyError } from '../errors.js';
import { EXIT_OK } from './exitCodes.js';
import { reportError } from './reportError.js';

export const DEFAULT_CREDENTIALS_URL = 'http://127.0.0.1:1338/v1/credentials';
/** Per attempt; botocore gives a container endpoint 2 s too. */
export const ATTEMPT_TIMEOUT_MS = 2_000;
/** A cold service (503) or a sidecar still starting gets this many tries in all. */
export const MAX_ATTEMPTS = 3;
/** The longest pause between tries, whatever Retry-After says: the SDK is waiting. */
export const MAX_RETRY_DELAY_MS = 1_000;

export interface CredentialProcessOptions {
  /** `--url`; else AWS_CONTAINER_CREDENTIALS_FULL_URI; else DEFAULT_CREDENTIALS_URL. */
  readonly url: string | undefined;
  /** `--token-file`; else AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE; else the _TOKEN variable. */
  readonly tokenFile: string | undefined;
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Injected by tests to keep retries fast. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One answer from the endpoint. */
interface Reply {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: string;
}

/**
 * Prints the Version 1 JSON a `credential_process =` line expects (`SessionToken`, not
 * `Token`) and returns 0; on any failure prints one line on stderr, never holding a secret,
 * and returns non-zero. The token is read from a file or the environment, never from argv,
 * which every user of the machine can see in `ps`.
 */
export async function runCredentialProcess(options: CredentialProcessOptions): Promise<number> {
  try {
    const url = toEndpointUrl(
      options.url ?? nonEmpty(options.env.AWS_CONTAINER_CREDENTIALS_FULL_URI),
    );
    const token = await readToken(options);
    const reply = await fetchWithRetries(url, token, options.sleep ?? sleep);
    options.stdout(`${toProcessOutput(reply.body)}\n`);
    return EXIT_OK;
  } catch (error) {
    return reportError(error, { stderr: options.stderr, verbose: false });
  }
}

/** Plain http only where every SDK allows it: loopback and the ECS/EKS link-local hosts. */
const PLAIN_HTTP_HOSTS = /^(127(?:\.\d{1,3}){3}|\[::1\]|localhost|169\.254\.170\.(?:2|23))$/;

export function toEndpointUrl(raw: string | undefined): URL {
  let url: URL;
  try {
    url = new URL(raw ?? DEFAULT_CREDENTIALS_URL);
  } catch {
    throw new CredproxyError('USAGE', '--url is not a valid URL');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && PLAIN_HTTP_HOSTS.test(url.hostname)) return url;
  throw new CredproxyError(
    'USAGE',
    '--url must be https, or http to a loopback address (the token would cross the network in clear)',
  );
}

async function readToken(options: CredentialProcessOptions): Promise<string> {
  const file = options.tokenFile ?? nonEmpty(options.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE);
  let token: string;
  if (file !== undefined) {
    try {
      token = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new CredproxyError(
        'CREDENTIALS_FETCH_FAILED',
        `cannot read the token file ${file} (${code})`,
      );
    }
  } else {
    const fromEnv = nonEmpty(options.env.AWS_CONTAINER_AUTHORIZATION_TOKEN);
    if (fromEnv === undefined) {
      throw new CredproxyError(
        'USAGE',
        'no token: pass --token-file, or set AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN',
      );
    }
    token = fromEnv;
  }
  if (token === '') throw new CredproxyError('CREDENTIALS_FETCH_FAILED', 'the token is empty');
  return token;
}

async function fetchWithRetries(
  url: URL,
  token: string,
  pause: (ms: number) => Promise<void>,
): Promise<Reply> {
  for (let attempt = 1; ; attempt++) {
    let reply: Reply | undefined;
    let failure: CredproxyError;
    try {
      reply = await get(url, token);
      if (reply.status === 200) return reply;
      failure = toHttpFailure(reply);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      failure = new CredproxyError(
        'CREDENTIALS_FETCH_FAILED',
        `cannot reach ${url.origin} (${code})`,
      );
    }
    const retryable = reply === undefined || reply.status === 503;
    if (!retryable || attempt >= MAX_ATTEMPTS) throw failure;
    const seconds = Number(reply?.retryAfter ?? '1');
    await pause(Math.min(MAX_RETRY_DELAY_MS, Number.isFinite(seconds) ? seconds * 1000 : 1000));
  }
}

function get(url: URL, token: string): Promise<Reply> {
  const send = url.protocol === 'https:' ? requestTls : request;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'GET',
      headers: { Authorization: token, Accept: 'application/json' },
      timeout: ATTEMPT_TIMEOUT_MS,
    });
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // A credential body is about 1.5 KB; anything huge is not credproxy.
        if (size > MAX_BODY_BYTES)
          req.destroy(Object.assign(new Error('too large'), { code: 'EMSGSIZE' }));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        const header = res.headers['retry-after'];
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: typeof header === 'string' ? header : undefined,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    req.end();
  });
}

const MAX_BODY_BYTES = 64 * 1024;

/** A refusal, named by the server's own code (its messages hold no secret); nothing else echoed. */
function toHttpFailure(reply: Reply): CredproxyError {
  const parsed = parseObject(reply.body);
  const code =
    typeof parsed?.code === 'string' && /^[A-Z_]{1,64}$/.test(parsed.code)
      ? parsed.code
      : undefined;
  const message =
    typeof parsed?.message === 'string' ? parsed.message.replace(/[^ -~]/g, '').slice(0, 300) : '';
  const detail = code === undefined ? '' : ` ${code}${message === '' ? '' : `: ${message}`}`;
  return new CredproxyError(
    'CREDENTIALS_FETCH_FAILED',
    `the endpoint answered ${reply.status}${detail}`,
  );
}

/** The credential_process Version 1 document, from an ECS-shaped body. */
export function toProcessOutput(text: string): string {
  const body = parseObject(text);
  const fields = ['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration'] as const;
  const missing = fields.filter((key) => typeof body?.[key] !== 'string' || body[key] === '');
  if (body === undefined || missing.length > 0) {
    throw new CredproxyError(
      'CREDENTIALS_FETCH_FAILED',
      `the endpoint answered 200 without ${missing.join(', ') || 'a JSON object'}`,
    );
  }
  return JSON.stringify({
    Version: 1,
    AccessKeyId: body.AccessKeyId,
    SecretAccessKey: body.SecretAccessKey,
    SessionToken: body.Token,
    Expiration: body.Expiration,
    ...(typeof body.AccountId === 'string' ? { AccountId: body.AccountId } : {}),
  });
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
