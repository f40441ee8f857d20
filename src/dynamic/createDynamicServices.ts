import type { RouteConfig } from '../config/doorTypes.js';
import type { Env } from '../config/env.js';
import type { JwtIssuerConfig } from '../config/identityTypes.js';
import { createTokenOwners } from '../config/rules/tokenOwners.js';
import { toIssuerMap } from '../config/toConfig.js';
import type {
  AwsDefaults,
  Config,
  ConfigWarning,
  DynamicDirectory,
  DynamicFilePolicy,
  ServiceConfig,
} from '../config/types.js';
import type { ErrorCode } from '../errorCodes.js';
import type { ConfigIssue } from '../errors.js';
import { type DirectoryReader, nodeDirectoryReader } from './directoryReader.js';
import { compileDirectory } from './isWatchedFile.js';
import { type DynamicFileServices, mergeServices, type ServiceConflict } from './mergeServices.js';
import { parseDynamicFile } from './parseDynamicFile.js';
import { type DirectoryFile, readDynamicDirectory } from './readDynamicDirectory.js';
import { toDynamicFilePolicy } from './toDynamicFilePolicy.js';

export interface DynamicServicesOptions {
  readonly directories: readonly DynamicDirectory[];
  readonly staticServices: readonly ServiceConfig[];
  readonly awsDefaults: AwsDefaults;
  /** The main config's JWT issuers, which a dynamic service's `jwt.issuer` must name. */
  readonly jwtIssuers?: ReadonlyMap<string, JwtIssuerConfig>;
  readonly env: Env;
  /** What substitution in the files may read: `toDynamicFilePolicy(config)`. */
  readonly policy: DynamicFilePolicy;
  /** `dynamic_services.max_file_bytes`: a larger file is rejected unread. */
  readonly maxFileBytes: number;
  /** The main config's egress routes, which a dynamic service may list (never define). */
  readonly routes: readonly RouteConfig[];
}

/** The options for the dynamic services that the main config `config` watches. */
export function toDynamicServicesOptions(config: Config, env: Env): DynamicServicesOptions {
  return {
    directories: config.dynamicServices.directories,
    staticServices: config.services,
    awsDefaults: config.awsDefaults,
    jwtIssuers: toIssuerMap(config.identity),
    env,
    policy: toDynamicFilePolicy(config),
    maxFileBytes: config.dynamicServices.maxFileBytes,
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
  /**
   * Directories that exist but cannot be listed (EACCES, EIO, ...), with the Node error code.
   * Listed at every rescan while it lasts; their files' services stay in force meanwhile.
   */
  readonly unreadableDirectories: ReadonlyArray<{ directory: string; code: string }>;
  /** Directories missing or unreadable at the previous rescan and read again by this one. */
  readonly restoredDirectories: readonly string[];
  /** Whether the served set differs from before this rescan. */
  readonly changed: boolean;
}

/** What a rescan reads through; tests pass fakes. */
export interface DynamicServicesDeps {
  readonly reader?: DirectoryReader;
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
  /** The watched directory the file was listed in. */
  readonly directory: string;
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
export function createDynamicServices(
  initial: DynamicServicesOptions,
  deps: DynamicServicesDeps = {},
): DynamicServices {
  const reader = deps.reader ?? nodeDirectoryReader;
  let options = initial;
  let directories = options.directories.map(compileDirectory);
  const states = new Map<string, FileState>();
  let nextOrder = 0;
  let merged = mergeServices(options.staticServices, []);
  let forceReparse = false;
  /** Directories missing or unreadable at the last rescan. */
  let unavailable = new Set<string>();

  async function rescan(): Promise<RescanReport> {
    // Files whose stat identity is unchanged are not even read (1,000 files: a readdir and
    // stats, not 1,000 reads and digests), unless the main config changed.
    const lastStatKey = (file: string) => (forceReparse ? undefined : states.get(file)?.statKey);
    const listings = await Promise.all(
      directories.map((directory) =>
        readDynamicDirectory(directory, {
          lastStatKey,
          maxFileBytes: options.maxFileBytes,
          reader,
        }),
      ),
    );
    const present = new Map<string, { entry: DirectoryFile; directory: string }>();
    const missingDirectories: string[] = [];
    const unreadableDirectories: Array<{ directory: string; code: string }> = [];
    listings.forEach((listing, i) => {
      const directory = directories[i]?.path ?? '';
      if (listing.status === 'missing') missingDirectories.push(directory);
      if (listing.status === 'unreadable')
        unreadableDirectories.push({ directory, code: listing.code });
      for (const entry of listing.files)
        if (!present.has(entry.file)) present.set(entry.file, { entry, directory });
    });
    // A directory that cannot be listed says nothing about its files: they stay as they were.
    const unlisted = new Set(unreadableDirectories.map((u) => u.directory));
    const nowUnavailable = new Set([...missingDirectories, ...unlisted]);
    const restoredDirectories = directories
      .map((d) => d.path)
      .filter((path) => unavailable.has(path) && !nowUnavailable.has(path));
    unavailable = nowUnavailable;

    const removed: Array<{ file: string; services: string[] }> = [];
    for (const [file, state] of states) {
      if (present.has(file) || unlisted.has(state.directory)) continue;
      states.delete(file);
      if (state.services) removed.push({ file, services: state.services.map((s) => s.name) });
    }

    // Token holders, kept current as files are accepted, so one pass sees its own changes.
    const holders = createTokenOwners<{ service: string; file: string }>();
    for (const s of options.staticServices)
      holders.claim(s.authToken, { service: s.name, file: s.origin.file });
    for (const [file, state] of states) {
      for (const s of state.services ?? []) holders.claim(s.authToken, { service: s.name, file });
    }

    const loaded: Array<{ file: string; services: string[] }> = [];
    const rejected: Array<{ file: string; code: ErrorCode; issues: readonly ConfigIssue[] }> = [];
    const warnings: ConfigWarning[] = [];
    for (const { entry, directory } of present.values()) {
      const state = states.get(entry.file);
      if (state && entry.unchanged) continue;
      if (state && state.seenDigest === entry.digest && !forceReparse) {
        state.statKey = entry.statKey;
        continue;
      }
      const outcome = parseDynamicFile(entry, {
        env: options.env,
        awsDefaults: options.awsDefaults,
        ...(options.jwtIssuers === undefined ? {} : { jwtIssuers: options.jwtIssuers }),
        policy: options.policy,
        routes: options.routes,
      });
      const current = state ?? {
        order: nextOrder++,
        directory,
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
        const holder = holders.ownerOf(s.authToken);
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
      for (const s of current.services ?? []) holders.release(s.authToken);
      for (const s of outcome.services)
        holders.claim(s.authToken, { service: s.name, file: entry.file });
      // A SIGHUP re-parses every file; one that yields the same services is not news.
      const same = JSON.stringify(current.services) === JSON.stringify(outcome.services);
      current.services = outcome.services;
      warnings.push(...outcome.warnings);
      if (!same) loaded.push({ file: entry.file, services: outcome.services.map((s) => s.name) });
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
      unreadableDirectories,
      restoredDirectories,
      changed: !sameServices(before, merged.services),
    };
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
