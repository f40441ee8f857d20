import { basename, resolve } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { isRecord } from '../config/keyPath.js';
import type { DynamicDirectory } from '../config/types.js';
import { readDirectoryIdentity } from './readDirectoryIdentity.js';

export interface DynamicWatcher {
  close(): Promise<void>;
}

export interface WatchOptions {
  readonly directories: readonly DynamicDirectory[];
  /** `reload_interval`: a rescan runs this long after the last event (debounce). */
  readonly reloadIntervalSeconds: number;
  /** A full rescan also runs this often, to catch what a file system did not report. */
  readonly safetyRescanMs: number;
  /** How often each directory is checked for having appeared, gone or been replaced. */
  readonly presenceCheckMs?: number;
  /** `readDirectoryIdentity`, unless a test fakes it. */
  readonly readIdentity?: (path: string) => Promise<string | undefined>;
  /** Runs the rescan; never called again before the previous call settled. */
  readonly onRescan: () => Promise<void>;
  readonly onError: (error: unknown) => void;
}

export const SAFETY_RESCAN_MS = 60_000;
/** A stat per directory per second: a directory that comes back is watched within a second. */
export const PRESENCE_CHECK_MS = 1_000;

/** One watched directory and the chokidar watch on it, if it exists. */
interface DirectoryWatch {
  readonly path: string;
  /** `readIdentity` at the last check (`undefined`: missing); `null` before the first one. */
  identity: string | undefined | null;
  /** chokidar saw the directory itself go: its watch is dead even if the same inode returns. */
  lost: boolean;
  watcher: FSWatcher | undefined;
}

/**
 * Watches the directories with chokidar and turns any event into one debounced rescan of
 * them all. The rescan reads the directories as they are, so however a change was written (in
 * place, temp file and rename, `sed -i`, an editor's save, a ConfigMap's `..data` swap) the
 * outcome depends only on the files present afterwards, never on the events' order.
 *
 * A chokidar watch dies with its directory and never sees one created later, so each directory
 * is checked every `presenceCheckMs`: when it appears, is deleted or renamed away and created
 * again, or changes mode or owner, its watch is made anew and a rescan runs.
 */
export function watchDynamicServices(options: WatchOptions): DynamicWatcher {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const run = () => {
    timer = undefined;
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = options
      .onRescan()
      .catch(options.onError)
      .finally(() => {
        running = undefined;
        if (again && !closed) {
          again = false;
          schedule();
        }
      });
  };
  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, options.reloadIntervalSeconds * 1000);
    timer.unref();
  };

  const watches: DirectoryWatch[] = options.directories.map((d) => ({
    path: resolve(d.path),
    identity: null,
    lost: false,
    watcher: undefined,
  }));

  const watchOne = (entry: DirectoryWatch): FSWatcher => {
    // depth 0: the directory's own entries, which include a ConfigMap's `..data` link.
    const watcher = watch(entry.path, {
      ignoreInitial: true,
      depth: 0,
      followSymlinks: true,
      atomic: false,
    });
    watcher.on('all', (event, path) => {
      if (event === 'unlinkDir' && resolve(path) === entry.path && entry.watcher === watcher) {
        entry.lost = true;
      }
      schedule();
    });
    // fs.watch reports the directory's own deletion or rename as a `rename` of its name, and
    // chokidar may not follow it with `unlinkDir` when the directory is back by then.
    watcher.on('raw', (event, name, details) => {
      const watched = isRecord(details) ? details.watchedPath : undefined;
      if (event !== 'rename' || name !== basename(entry.path) || watched !== entry.path) return;
      if (entry.watcher === watcher) entry.lost = true;
    });
    // A change written between the initial load (or the directory's return) and the watch
    // being ready raises no event: one rescan once it is ready closes that window.
    watcher.on('ready', schedule);
    watcher.on('error', options.onError);
    return watcher;
  };

  const readIdentity = options.readIdentity ?? readDirectoryIdentity;
  const check = async (): Promise<void> => {
    for (const entry of watches) {
      // When it cannot be told (a parent without x permission), nothing changes.
      const identity = await readIdentity(entry.path).catch(() => null);
      if (closed) return;
      if (identity === null || (identity === entry.identity && !entry.lost)) continue;
      const first = entry.identity === null;
      entry.identity = identity;
      entry.lost = false;
      const old = entry.watcher;
      entry.watcher = identity === undefined ? undefined : watchOne(entry);
      await old?.close().catch(options.onError);
      // At the first check the initial load has just read the directories.
      if (!first) schedule();
    }
  };
  let checking: Promise<void> | undefined;
  const startCheck = () => {
    checking ??= check()
      .catch(options.onError)
      .finally(() => {
        checking = undefined;
      });
  };
  startCheck();
  const presence = setInterval(startCheck, options.presenceCheckMs ?? PRESENCE_CHECK_MS);
  presence.unref();
  const safety = setInterval(run, options.safetyRescanMs);
  safety.unref();

  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      clearInterval(safety);
      clearInterval(presence);
      await checking;
      await Promise.all(watches.map((entry) => entry.watcher?.close()));
      await running;
    },
  };
}
