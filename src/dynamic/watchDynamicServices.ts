import { watch } from 'chokidar';
import type { DynamicDirectory } from '../config/types.js';

export interface DynamicWatcher {
  close(): Promise<void>;
}

export interface WatchOptions {
  readonly directories: readonly DynamicDirectory[];
  /** `reload_interval`: a rescan runs this long after the last event (debounce). */
  readonly reloadIntervalSeconds: number;
  /** A full rescan also runs this often, to catch what a file system did not report. */
  readonly safetyRescanMs: number;
  /** Runs the rescan; never called again before the previous call settled. */
  readonly onRescan: () => Promise<void>;
  readonly onError: (error: unknown) => void;
}

export const SAFETY_RESCAN_MS = 60_000;

/**
 * Watches the directories with chokidar and turns any event into one debounced rescan of
 * them all. The rescan reads the directories as they are, so however a change was written (in
 * place, temp file and rename, `sed -i`, an editor's save, a ConfigMap's `..data` swap) the
 * outcome depends only on the files present afterwards, never on the events' order.
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

  const watcher = watch(
    options.directories.map((d) => d.path),
    // depth 0: the directory's own entries, which include a ConfigMap's `..data` link.
    { ignoreInitial: true, depth: 0, followSymlinks: true, atomic: false },
  );
  watcher.on('all', schedule);
  // A change written between the initial load and the watcher being ready raises no event:
  // one rescan once it is ready closes that window (unchanged files are not even re-read).
  watcher.on('ready', schedule);
  watcher.on('error', options.onError);
  const safety = setInterval(run, options.safetyRescanMs);
  safety.unref();

  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      clearInterval(safety);
      await watcher.close();
      await running;
    },
  };
}
