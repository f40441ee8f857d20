import type { Env } from '../config/env.js';
import { parseServiceFile } from '../config/parseServiceFile.js';
import type {
  AwsDefaults,
  Config,
  ConfigWarning,
  DynamicDirectory,
  DynamicFilePolicy,
  RouteConfig,
  ServiceConfig,
} from '../config/types.js';
import type { ConfigIssue, ErrorCode } from '../errors.js';
import { ConfigError } from '../errors.js';
import { compileDirectory } from './isWatchedFile.js';
import { type DynamicFileServices, mergeServices, type ServiceConflict } from './mergeServices.js';
import { type DirectoryFile, readDynamicDirectory } from './readDynamicDirectory.js';
import { toDynamicFilePolicy } from './toDynamicFilePolicy.js';

export interface DynamicServicesOptions {
  readonly directories: readonly DynamicDirectory[];
  readonly staticServices: readonly ServiceConfig[];
  readonly awsDefaults: AwsDefaults;
  readonly env: Env;
  /** What substitution in the files may read: `toDynamicFilePolicy(config)`. */
  readonly policy: DynamicFilePolicy;
  /** The main config's egress routes, which a dynamic service may list (never define). */
  readonly routes: readonly RouteConfig[];
}

/** The options for the dynamic services that the main config `config` watches. */
export function toDynamicServicesOptions(config: Config, env: Env): DynamicServicesOptions {
  return {
    directories: config.dynamicServices.directories,
    staticServices: config.services,
    awsDefaults: config.awsDefaults,
    env,
    policy: toDynamicFilePolicy(config),
    routes: config.proxy.routes,
  };
}

/** What one rescan found. Holds file paths, service names and messages: never a secret. */
export interface RescanReport {
  /** Files created or changed whose new definition is now in force. */
  readonly loaded: ReadonlyArray<{ file: string; services: string[] }>;
  /** Files deleted or renamed away, with the services they took with them. */
  readonly removed: ReadonlyArray<{ file: string; services: string[] }>;
  /** Invalid files: nothing changed for them (their previous definition, if any, stays). */
  readonly rejected: ReadonlyArray<{
    file: string;
    code: ErrorCode;
    issues: readonly ConfigIssue[];
  }>;
  readonly warnings: readonly ConfigWarning[];
  /** Dynamic services currently left out because of a name or token clash. */
  readonly conflicts: readonly ServiceConflict[];
  readonly missingDirectories: readonly string[];
  /** Whether the served set differs from before this rescan. */
  readonly changed: boolean;
}

export interface DynamicServices {
  /** Read every watched directory now and apply what changed. */
  rescan(): Promise<RescanReport>;
  /** The served set: static services, then the dynamic ones that won their names. */
  services(): readonly ServiceConfig[];
  /** New main config (SIGHUP): every file is parsed again with the new defaults. */
  reconfigure(options: DynamicServicesOptions): void;
}

interface FileState {
  readonly order: number;
  /** Digest of the content last looked at, valid or not: unchanged files are not re-parsed. */
  seenDigest: string;
  /** Stat identity when last read (see DirectoryFile.statKey). */
  statKey: string;
  /** The last valid definition, if the file ever had one. */
  services: readonly ServiceConfig[] | undefined;
}

/**
 * The dynamic services of watched directories. A file owns the services it defines: a valid
 * change replaces its set as a whole, a deletion removes exactly its services, and an invalid
 * change (bad YAML, schema error, a token another service uses) changes nothing.
 */
export function createDynamicServices(initial: DynamicServicesOptions): DynamicServices {
  let options = initial;
  let directories = options.directories.map(compileDirectory);
  const states = new Map<string, FileState>();
  let nextOrder = 0;
  let merged = mergeServices(options.staticServices, []);
  let forceReparse = false;

  async function rescan(): Promise<RescanReport> {
    // Files whose stat identity is unchanged are not even read (1,000 files: a readdir and
    // stats, not 1,000 reads and digests), unless the main config changed.
    const lastStatKey = (file: string) => (forceReparse ? undefined : states.get(file)?.statKey);
    const listings = await Promise.all(
      directories.map((directory) => readDynamicDirectory(directory, lastStatKey)),
    );
    const present = new Map<string, DirectoryFile>();
    const missingDirectories: string[] = [];
    listings.forEach((listing, i) => {
      if (!listing.exists) missingDirectories.push(directories[i]?.path ?? '');
      for (const file of listing.files) if (!present.has(file.file)) present.set(file.file, file);
    });

    const removed: Array<{ file: string; services: string[] }> = [];
    for (const [file, state] of states) {
      if (present.has(file)) continue;
      states.delete(file);
      if (state.services) removed.push({ file, services: state.services.map((s) => s.name) });
    }

    // Token holders, kept current as files are accepted, so one pass sees its own changes.
    const holders = new Map<string, { service: string; file: string }>();
    for (const s of options.staticServices)
      holders.set(s.authToken, { service: s.name, file: s.origin.file });
    for (const [file, state] of states) {
      for (const s of state.services ?? []) holders.set(s.authToken, { service: s.name, file });
    }

    const loaded: Array<{ file: string; services: string[] }> = [];
    const rejected: Array<{ file: string; code: ErrorCode; issues: readonly ConfigIssue[] }> = [];
    const warnings: ConfigWarning[] = [];
    for (const entry of present.values()) {
      const state = states.get(entry.file);
      if (state && entry.unchanged) continue;
      if (state && state.seenDigest === entry.digest && !forceReparse) {
        state.statKey = entry.statKey;
        continue;
      }
      const outcome = parse(entry);
      const current = state ?? {
        order: nextOrder++,
        seenDigest: entry.digest,
        statKey: entry.statKey,
        services: undefined,
      };
      current.seenDigest = entry.digest;
      current.statKey = entry.statKey;
      states.set(entry.file, current);
      if ('error' in outcome) {
        rejected.push({ file: entry.file, code: outcome.error.code, issues: outcome.error.issues });
        continue;
      }
      const clashes: ConfigIssue[] = outcome.services.flatMap((s) => {
        const holder = holders.get(s.authToken);
        return holder && holder.file !== entry.file
          ? [
              {
                file: entry.file,
                path: `services.${s.name}.auth_token`,
                message: `is already used by service ${holder.service}`,
              },
            ]
          : [];
      });
      if (clashes.length > 0) {
        rejected.push({ file: entry.file, code: 'CONFIG_INVALID', issues: clashes });
        continue;
      }
      for (const s of current.services ?? []) holders.delete(s.authToken);
      for (const s of outcome.services)
        holders.set(s.authToken, { service: s.name, file: entry.file });
      current.services = outcome.services;
      warnings.push(...outcome.warnings);
      loaded.push({ file: entry.file, services: outcome.services.map((s) => s.name) });
    }
    forceReparse = false;

    const before = merged.services;
    merged = mergeServices(options.staticServices, toFileServices());
    return {
      loaded,
      removed,
      rejected,
      warnings,
      conflicts: merged.conflicts,
      missingDirectories,
      changed: !sameServices(before, merged.services),
    };
  }

  function parse(
    entry: DirectoryFile,
  ):
    | { services: readonly ServiceConfig[]; warnings: readonly ConfigWarning[] }
    | { error: ConfigError } {
    if (entry.text === undefined) {
      return {
        error: new ConfigError('CONFIG_UNREADABLE', [
          { file: entry.file, path: '', message: `cannot be read (${entry.readError ?? 'error'})` },
        ]),
      };
    }
    try {
      return parseServiceFile(entry.text, {
        file: entry.file,
        env: options.env,
        awsDefaults: options.awsDefaults,
        policy: options.policy,
        routes: options.routes,
      });
    } catch (error) {
      if (error instanceof ConfigError) return { error };
      return {
        error: new ConfigError('CONFIG_INVALID', [
          { file: entry.file, path: '', message: 'cannot be parsed' },
        ]),
      };
    }
  }

  function toFileServices(): DynamicFileServices[] {
    const files: DynamicFileServices[] = [];
    for (const [file, state] of states) {
      if (state.services) files.push({ file, order: state.order, services: state.services });
    }
    return files;
  }

  return {
    rescan,
    services: () => merged.services,
    reconfigure(next) {
      options = next;
      directories = next.directories.map(compileDirectory);
      forceReparse = true;
      merged = mergeServices(next.staticServices, toFileServices());
    },
  };
}

function sameServices(a: readonly ServiceConfig[], b: readonly ServiceConfig[]): boolean {
  return a.length === b.length && a.every((service, i) => service === b[i]);
}
