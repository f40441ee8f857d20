import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDynamicServices,
  type DynamicServices,
  type RescanReport,
} from '../../src/dynamic/createDynamicServices.js';
import { readDirectoryIdentity } from '../../src/dynamic/readDirectoryIdentity.js';
import {
  type DynamicWatcher,
  type WatchOptions,
  watchDynamicServices,
} from '../../src/dynamic/watchDynamicServices.js';
import { eventually } from '../helpers/startTestApp.js';
import { dynamicOptions, servicesFile, tok } from './serviceFiles.js';

const RELOAD_INTERVAL_SECONDS = 1;
/**
 * The promise: a change is applied within reload_interval plus about a second. The extra
 * second of margin is for a loaded CI machine; without a live watch it takes the safety rescan.
 */
const PICKED_UP_WITHIN_MS = RELOAD_INTERVAL_SECONDS * 1000 + 2_000;
/** Long enough that no test passes thanks to it. */
const SAFETY_RESCAN_MS = 120_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchDynamicServices on real directories', () => {
  let root: string;
  let dir: string;
  let dynamic: DynamicServices;
  let watcher: DynamicWatcher | undefined;
  let reports: RescanReport[];
  let errors: unknown[];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'credproxy-watch-'));
    dir = join(root, 'dynamic');
    await mkdir(dir);
    reports = [];
    errors = [];
  });

  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await rm(root, { recursive: true, force: true });
  });

  /**
   * Loads the directory and starts watching it; when it exists, waits for the rescan its watch
   * runs once ready.
   */
  async function start(
    options: { exists?: boolean; readIdentity?: WatchOptions['readIdentity'] } = {},
  ): Promise<void> {
    dynamic = createDynamicServices(dynamicOptions([dir]));
    await dynamic.rescan();
    watcher = watchDynamicServices({
      directories: dynamicOptions([dir]).directories,
      reloadIntervalSeconds: RELOAD_INTERVAL_SECONDS,
      safetyRescanMs: SAFETY_RESCAN_MS,
      onRescan: async () => {
        reports.push(await dynamic.rescan());
      },
      onError: (error) => errors.push(error),
      readIdentity: options.readIdentity,
    });
    if (options.exists ?? true) await eventually(() => reports.length > 0, 10_000, 20);
  }

  const served = (name: string) => dynamic.services().some((s) => s.name === name);

  /** Milliseconds from now until `name` is served; fails after 10 s. */
  async function msUntilServed(name: string): Promise<number> {
    const started = performance.now();
    await eventually(() => served(name), 10_000, 20);
    return performance.now() - started;
  }

  /** Waits until a rescan has seen the directory missing. */
  async function untilReportedMissing(after: number): Promise<void> {
    await eventually(
      () => reports.slice(after).some((r) => r.missingDirectories.includes(dir)),
      10_000,
      20,
    );
  }

  it('picks up a file added to a directory that was watched from the start', async () => {
    await start();

    await writeFile(join(dir, 'a.yaml'), servicesFile({ a: { token: tok('a') } }));

    expect(await msUntilServed('a')).toBeLessThan(PICKED_UP_WITHIN_MS);
  });

  it.each([
    ['deleted (rm -rf) and created again', (path: string) => rm(path, { recursive: true })],
    ['renamed away and created again', (path: string) => rename(path, `${path}.old`)],
  ])('watches a directory %s', async (_how, takeAway) => {
    await start();
    await takeAway(dir);
    await untilReportedMissing(0);
    await mkdir(dir);

    await writeFile(join(dir, 'first.yaml'), servicesFile({ first: { token: tok('first') } }));
    const first = await msUntilServed('first');
    // Well after the directory came back: only a live watch on the new directory sees this.
    await pause(1_500);
    await writeFile(join(dir, 'second.yaml'), servicesFile({ second: { token: tok('second') } }));
    const second = await msUntilServed('second');

    expect(first).toBeLessThan(PICKED_UP_WITHIN_MS);
    expect(second).toBeLessThan(PICKED_UP_WITHIN_MS);
    expect(errors).toEqual([]);
  });

  it('watches a directory deleted and created again faster than a rescan', async () => {
    await start();

    await rm(dir, { recursive: true });
    await mkdir(dir);
    await pause(1_500);
    await writeFile(join(dir, 'late.yaml'), servicesFile({ late: { token: tok('late') } }));

    expect(await msUntilServed('late')).toBeLessThan(PICKED_UP_WITHIN_MS);
  });

  it('watches a directory replaced between two checks that looks the same (inode reused, no birth time)', async () => {
    const looksTheSame = async (path: string) =>
      (await readDirectoryIdentity(path)) === undefined ? undefined : 'the same';
    await start({ readIdentity: looksTheSame });

    await rm(dir, { recursive: true });
    await mkdir(dir);
    await pause(1_500);
    await writeFile(join(dir, 'late.yaml'), servicesFile({ late: { token: tok('late') } }));

    expect(await msUntilServed('late')).toBeLessThan(PICKED_UP_WITHIN_MS);
  });

  it('reports a second disappearance like the first, and the return in between', async () => {
    await start();

    await rm(dir, { recursive: true });
    await untilReportedMissing(0);
    await mkdir(dir);
    await eventually(() => reports.some((r) => r.restoredDirectories.includes(dir)), 10_000, 20);
    const back = reports.length;
    await rm(dir, { recursive: true });
    const started = performance.now();
    await untilReportedMissing(back);
    const noticedMs = performance.now() - started;

    expect(noticedMs).toBeLessThan(PICKED_UP_WITHIN_MS);
    expect(reports.at(-1)?.missingDirectories).toEqual([dir]);
    expect(reports.at(-1)?.restoredDirectories).toEqual([]);
  });

  it('watches a directory that appears after the start, then disappears and comes back', async () => {
    await rm(dir, { recursive: true });
    await start({ exists: false });

    await mkdir(dir);
    await pause(1_500);
    await writeFile(join(dir, 'a.yaml'), servicesFile({ a: { token: tok('a') } }));
    const appeared = await msUntilServed('a');
    await rm(dir, { recursive: true });
    await untilReportedMissing(reports.length);
    await mkdir(dir);
    await pause(1_500);
    await writeFile(join(dir, 'b.yaml'), servicesFile({ b: { token: tok('b') } }));
    const cameBack = await msUntilServed('b');

    expect(appeared).toBeLessThan(PICKED_UP_WITHIN_MS);
    expect(cameBack).toBeLessThan(PICKED_UP_WITHIN_MS);
  });
});
