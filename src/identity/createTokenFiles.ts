import { randomBytes } from 'node:crypto';
import type { ServiceConfig, TokenFileConfig } from '../config/types.js';
import type { Clock, DomainLogger } from '../credentials/types.js';
import { CredproxyError } from '../errors.js';
import { createRotatingToken, type RotatingToken } from './createRotatingToken.js';
import type { DigestLookup } from './createTokenIndex.js';
import { nodeTokenFileWriter, type TokenFileWriter } from './writeTokenFile.js';

/** What token files need of a service: never its static token. */
export type TokenFileHolder = Pick<ServiceConfig, 'name' | 'tokenFile' | 'origin'>;

/**
 * The generated tokens of every service with a `token_file`, looked up by digest alongside the
 * static tokens (the registry builds its index with this as `generated`). Rotation changes
 * the digests in place; `apply` is synchronous, so a service's new token is accepted in the
 * same step that puts its definition in force, before its file is written.
 */
export interface TokenFiles extends DigestLookup {
  /** Make `services` the set in force: start, keep, replace or retire each one's token file. */
  apply(services: readonly TokenFileHolder[]): void;
  /**
   * For the start: settles when every first write so far has ended. Rejects with
   * TOKEN_FILE_FAILED when a static service's file could not be written (start fails: its
   * workload could never authenticate). A dynamic service's failure, and any after the first
   * call, is only logged and retried.
   */
  written(): Promise<void>;
  /** Stop every rotation. Files stay: a restart overwrites them with new tokens. */
  stop(): void;
  /** The generated tokens `service` may present now (RotatingToken.secrets). */
  secretsOf(service: string): readonly string[];
}

export interface TokenFilesDeps {
  readonly clock: Clock;
  readonly logger: DomainLogger;
  readonly writer?: TokenFileWriter;
  /** Default: 256 random bits as 64 hex characters. */
  readonly newToken?: () => string;
}

interface Entry {
  readonly spec: TokenFileConfig;
  readonly token: RotatingToken;
  /** The digests this entry has in the lookup map. */
  digests: readonly string[];
}

export function createTokenFiles(deps: TokenFilesDeps): TokenFiles {
  const writer = deps.writer ?? nodeTokenFileWriter;
  const newToken = deps.newToken ?? (() => randomBytes(32).toString('hex'));
  const entries = new Map<string, Entry>();
  const byDigest = new Map<string, string>();
  /** Every file operation on a path runs after the previous one: a write never races a removal. */
  const queues = new Map<string, Promise<unknown>>();
  let firstWrites: Array<Promise<CredproxyError | undefined>> = [];
  /** Only the start waits for first writes; after it, failures are logged and retried. */
  let started = false;

  function onPath(path: string, operation: () => Promise<void>): Promise<void> {
    const run = (queues.get(path) ?? Promise.resolve()).catch(() => undefined).then(operation);
    const settled = run.catch(() => undefined);
    queues.set(path, settled);
    void settled.then(() => {
      if (queues.get(path) === settled) queues.delete(path);
    });
    return run;
  }

  function sync(name: string, entry: Entry): void {
    for (const digest of entry.digests) byDigest.delete(digest);
    entry.digests = entry.token.accepted();
    for (const digest of entry.digests) byDigest.set(digest, name);
  }

  function retire(name: string, entry: Entry, removeFile: boolean): void {
    entry.token.retire();
    for (const digest of entry.digests) byDigest.delete(digest);
    entries.delete(name);
    if (!removeFile) return;
    void onPath(entry.spec.path, () => writer.remove(entry.spec.path)).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      deps.logger.warn(
        { service: name, path: entry.spec.path, code },
        `cannot remove the token file of removed service ${name} (${code})`,
      );
    });
  }

  function start(service: TokenFileHolder, spec: TokenFileConfig, inherited?: string): void {
    const { name } = service;
    const token = createRotatingToken({
      service: name,
      spec,
      clock: deps.clock,
      logger: deps.logger,
      newToken,
      write: (value) => onPath(spec.path, () => writer.write(spec.path, value, spec.mode)),
      changed: () => {
        const entry = entries.get(name);
        if (entry?.token === token) sync(name, entry);
      },
      ...(inherited === undefined ? {} : { inherited }),
    });
    const entry: Entry = { spec, token, digests: [] };
    entries.set(name, entry);
    sync(name, entry);
    if (!started && service.origin.kind === 'static') {
      firstWrites.push(
        token.firstWrite.then((error) =>
          error === undefined
            ? undefined
            : new CredproxyError(
                'TOKEN_FILE_FAILED',
                `cannot write the token file of service ${name} at ${spec.path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
                { cause: error },
              ),
        ),
      );
    }
  }

  return {
    serviceOf: (digest) => byDigest.get(digest),
    get size() {
      return byDigest.size;
    },
    apply(services) {
      const next = new Map<string, TokenFileHolder>();
      for (const s of services) if (s.tokenFile !== undefined) next.set(s.name, s);
      const inherited = new Map<string, string>();
      for (const [name, entry] of entries) {
        const spec = next.get(name)?.tokenFile;
        if (spec !== undefined && JSON.stringify(spec) === JSON.stringify(entry.spec)) continue;
        // A changed definition starts a new token; clients holding the old one keep working
        // through one grace period, and a file left at a path no longer used is removed.
        const shown = entry.token.shown();
        if (spec !== undefined && shown !== undefined) inherited.set(name, shown);
        retire(name, entry, spec?.path !== entry.spec.path);
      }
      const claimed = new Map([...entries].map(([name, entry]) => [entry.spec.path, name]));
      for (const [name, service] of next) {
        const spec = service.tokenFile;
        if (spec === undefined || entries.has(name)) continue;
        const owner = claimed.get(spec.path);
        if (owner !== undefined) {
          deps.logger.error(
            { service: name, path: spec.path, owner },
            `token file of service ${name} not written: service ${owner} already writes that path`,
          );
          continue;
        }
        claimed.set(spec.path, name);
        start(service, spec, inherited.get(name));
      }
    },
    async written() {
      started = true;
      const pending = firstWrites;
      firstWrites = [];
      const failure = (await Promise.all(pending)).find((error) => error !== undefined);
      if (failure !== undefined) throw failure;
    },
    stop() {
      for (const [, entry] of entries) entry.token.retire();
    },
    secretsOf: (service) => entries.get(service)?.token.secrets() ?? [],
  };
}
