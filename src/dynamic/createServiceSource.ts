import type { Env } from '../config/env.js';
import type { Config, ServiceConfig } from '../config/types.js';
import type { Logger } from '../observability/createLogger.js';
import type { Metrics } from '../observability/createMetrics.js';
import { logConfigWarnings } from '../observability/logConfigWarnings.js';
import {
  createDynamicServices,
  type RescanReport,
  toDynamicServicesOptions,
} from './createDynamicServices.js';
import { SAFETY_RESCAN_MS, watchDynamicServices } from './watchDynamicServices.js';

/** A file's log line names at most this many of its services (a count says the rest). */
const MAX_NAMES_LOGGED = 10;

/** The served set of services: static ones, plus dynamic ones when enabled, kept current. */
export interface ServiceSource {
  /** Read dynamic directories now (at start); resolves with the full set. */
  load(): Promise<readonly ServiceConfig[]>;
  /** Start watching; `apply` gets the full set after every change. */
  watch(apply: (services: readonly ServiceConfig[]) => Promise<void>): void;
  /** A new main config (SIGHUP): re-read dynamic files with it; resolves with the full set. */
  reconfigure(config: Config): Promise<readonly ServiceConfig[]>;
  close(): Promise<void>;
}

export function createServiceSource(
  initial: Config,
  env: Env,
  logger: Logger,
  metrics: Metrics | undefined,
): ServiceSource {
  let config = initial;
  const log = logger.child({ component: 'dynamic' });
  const reported = new Set<string>();
  let dynamic = config.dynamicServices.enabled ? create(config) : undefined;
  let watcher: ReturnType<typeof watchDynamicServices> | undefined;
  let onChange: ((services: readonly ServiceConfig[]) => Promise<void>) | undefined;

  function create(c: Config) {
    return createDynamicServices(toDynamicServicesOptions(c, env));
  }

  function report(result: RescanReport): void {
    for (const { file, services } of result.loaded) {
      metrics?.recordConfigReload('success', 'dynamic');
      log.info(
        { file, count: services.length, services: services.slice(0, MAX_NAMES_LOGGED) },
        `dynamic file loaded: ${services.length} service(s)`,
      );
    }
    for (const { file, services } of result.removed) {
      metrics?.recordConfigReload('success', 'dynamic');
      log.info(
        { file, count: services.length, services: services.slice(0, MAX_NAMES_LOGGED) },
        `dynamic file removed; its ${services.length} service(s) are gone`,
      );
    }
    for (const { file, code, issues } of result.rejected) {
      metrics?.recordConfigReload('failure', 'dynamic');
      log.error(
        { file, code, issues: issues.map((i) => ({ key: i.path, message: i.message })) },
        'dynamic file rejected; its previous definition (if any) stays in force',
      );
    }
    logConfigWarnings(log, result.warnings);
    const current = new Set<string>();
    for (const c of result.conflicts) {
      const key = `${c.file}\u0000${c.service}\u0000${c.reason}\u0000${c.owner}`;
      current.add(key);
      if (reported.has(key)) continue;
      const why =
        c.reason === 'static_name'
          ? `a static service of ${c.owner} has that name`
          : c.reason === 'dynamic_name'
            ? `${c.owner} defined it first`
            : `its token is already used by service ${c.owner}`;
      log.warn(
        { file: c.file, service: c.service, reason: c.reason },
        `dynamic service ${c.service} ignored: ${why}`,
      );
    }
    for (const key of [...reported])
      if (!current.has(key) && !key.startsWith('dir\u0000')) reported.delete(key);
    for (const key of current) reported.add(key);
    for (const { directory, code } of result.unreadableDirectories) {
      metrics?.recordConfigReload('failure', 'dynamic');
      log.error(
        { directory, code },
        `dynamic directory ${directory} cannot be read (${code}); its services stay in force`,
      );
    }
    for (const dir of result.restoredDirectories) {
      // A later disappearance is reported again.
      reported.delete(`dir\u0000${dir}`);
      log.info({ directory: dir }, `dynamic directory ${dir} is readable again`);
    }
    for (const dir of result.missingDirectories) {
      const key = `dir\u0000${dir}`;
      if (reported.has(key)) continue;
      reported.add(key);
      log.warn(
        { directory: dir },
        `dynamic directory ${dir} does not exist; it is read once it appears`,
      );
    }
  }

  async function rescan(): Promise<{ services: readonly ServiceConfig[]; changed: boolean }> {
    if (!dynamic) return { services: config.services, changed: true };
    const result = await dynamic.rescan();
    report(result);
    return { services: dynamic.services(), changed: result.changed };
  }

  function startWatcher(): void {
    if (!dynamic || !onChange) return;
    const apply = onChange;
    watcher = watchDynamicServices({
      directories: config.dynamicServices.directories,
      reloadIntervalSeconds: config.dynamicServices.reloadIntervalSeconds,
      safetyRescanMs: SAFETY_RESCAN_MS,
      onRescan: async () => {
        const { services, changed } = await rescan();
        if (changed) await apply(services);
      },
      onError: (error) =>
        log.error(
          { err: error instanceof Error ? { message: error.message } : undefined },
          'watcher error',
        ),
    });
  }

  return {
    load: async () => (await rescan()).services,
    watch(apply) {
      onChange = apply;
      startWatcher();
    },
    async reconfigure(next) {
      const watchChanged =
        JSON.stringify(next.dynamicServices) !== JSON.stringify(config.dynamicServices);
      config = next;
      if (!next.dynamicServices.enabled) dynamic = undefined;
      else if (!dynamic) dynamic = create(next);
      else dynamic.reconfigure(toDynamicServicesOptions(next, env));
      if (watchChanged) {
        await watcher?.close();
        watcher = undefined;
        startWatcher();
      }
      return (await rescan()).services;
    },
    async close() {
      await watcher?.close();
    },
  };
}
