import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDynamicServices } from '../../src/dynamic/createDynamicServices.js';
import { type DirectoryReader, nodeDirectoryReader } from '../../src/dynamic/directoryReader.js';
import { dynamicOptions, paddedTo, servicesFile, tok } from './serviceFiles.js';

/** A Node-style file system error. */
const failure = (code: string, path: string) =>
  Object.assign(new Error(`${code}: ${path}`), { code });

/** The real file system, except that listing a directory in `denied` fails with its code. */
function readerDenying(denied: Map<string, string>): DirectoryReader {
  return {
    ...nodeDirectoryReader,
    readdir: async (path) => {
      const code = denied.get(path);
      if (code !== undefined) throw failure(code, path);
      return nodeDirectoryReader.readdir(path);
    },
  };
}

/** Whether chmod 000 stops this process listing a directory: it does not for root. */
function chmodDeniesListing(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'credproxy-chmod-probe-'));
  try {
    chmodSync(probe, 0o000);
    readdirSync(probe);
    return false;
  } catch {
    return true;
  } finally {
    chmodSync(probe, 0o700);
    rmSync(probe, { recursive: true, force: true });
  }
}

const chmodDenies = chmodDeniesListing();
if (!chmodDenies) {
  console.warn(
    `SKIPPED: chmod 000 does not stop uid ${process.getuid?.()} from listing a directory (root); the DirectoryReader tests cover the same logic`,
  );
}

describe('createDynamicServices: a directory that cannot be read', () => {
  let root: string;
  let dir: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'credproxy-dynamic-'));
    dir = join(root, 'dynamic');
    await mkdir(dir);
  });

  afterEach(async () => {
    await chmod(dir, 0o755).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it.each(['EACCES', 'EIO', 'EPERM'])(
    'keeps the services of a directory whose listing fails with %s, and reports it',
    async (code) => {
      await writeFile(join(dir, 'app.yaml'), servicesFile({ app: { token: tok('app') } }));
      const denied = new Map<string, string>();
      const dynamic = createDynamicServices(dynamicOptions([dir]), {
        reader: readerDenying(denied),
      });
      await dynamic.rescan();

      denied.set(dir, code);
      const report = await dynamic.rescan();

      expect(report.removed).toEqual([]);
      expect(report.unreadableDirectories).toEqual([{ directory: dir, code }]);
      expect(report.missingDirectories).toEqual([]);
      expect(report.changed).toBe(false);
      expect(dynamic.services().map((s) => s.name)).toEqual(['app']);
    },
  );

  it('reports it again at every rescan while it stays unreadable', async () => {
    const denied = new Map([[dir, 'EACCES']]);
    const dynamic = createDynamicServices(dynamicOptions([dir]), {
      reader: readerDenying(denied),
    });

    const first = await dynamic.rescan();
    const second = await dynamic.rescan();

    expect(first.unreadableDirectories).toEqual([{ directory: dir, code: 'EACCES' }]);
    expect(second.unreadableDirectories).toEqual([{ directory: dir, code: 'EACCES' }]);
  });

  it('reads it again at the next rescan once it can be read, applying what changed meanwhile', async () => {
    const file = join(dir, 'app.yaml');
    await writeFile(file, servicesFile({ app: { token: tok('old') } }));
    await writeFile(join(dir, 'gone.yaml'), servicesFile({ gone: { token: tok('gone') } }));
    const denied = new Map<string, string>();
    const dynamic = createDynamicServices(dynamicOptions([dir]), {
      reader: readerDenying(denied),
    });
    await dynamic.rescan();
    denied.set(dir, 'EACCES');
    await dynamic.rescan();
    await writeFile(file, servicesFile({ app: { token: tok('new') } }));
    await rm(join(dir, 'gone.yaml'));

    denied.delete(dir);
    const report = await dynamic.rescan();

    expect(report.unreadableDirectories).toEqual([]);
    expect(report.loaded).toEqual([{ file, services: ['app'] }]);
    expect(report.removed).toEqual([{ file: join(dir, 'gone.yaml'), services: ['gone'] }]);
    expect(dynamic.services().map((s) => s.authToken)).toEqual([tok('new')]);
  });

  it('keeps the services of an unreadable directory while another directory is read', async () => {
    const other = join(root, 'other');
    await mkdir(other);
    await writeFile(join(dir, 'app.yaml'), servicesFile({ app: { token: tok('app') } }));
    const denied = new Map<string, string>();
    const dynamic = createDynamicServices(dynamicOptions([dir, other]), {
      reader: readerDenying(denied),
    });
    await dynamic.rescan();
    denied.set(dir, 'EACCES');

    await writeFile(join(other, 'more.yaml'), servicesFile({ more: { token: tok('more') } }));
    const report = await dynamic.rescan();

    expect(report.loaded).toEqual([{ file: join(other, 'more.yaml'), services: ['more'] }]);
    expect(report.removed).toEqual([]);
    expect(dynamic.services().map((s) => s.name)).toEqual(['app', 'more']);
  });

  it('keeps the definition of a file that can be listed but not stat-ed (a directory without x)', async () => {
    const file = join(dir, 'app.yaml');
    await writeFile(file, servicesFile({ app: { token: tok('app') } }));
    let statDenied = false;
    const reader: DirectoryReader = {
      ...nodeDirectoryReader,
      stat: async (path) => {
        if (statDenied) throw failure('EACCES', path);
        return nodeDirectoryReader.stat(path);
      },
    };
    const dynamic = createDynamicServices(dynamicOptions([dir]), { reader });
    await dynamic.rescan();

    statDenied = true;
    const report = await dynamic.rescan();

    expect(report.removed).toEqual([]);
    expect(report.rejected).toEqual([
      {
        file,
        code: 'CONFIG_UNREADABLE',
        issues: [{ file, path: '', message: 'cannot be read (EACCES)' }],
      },
    ]);
    expect(dynamic.services().map((s) => s.name)).toEqual(['app']);
  });

  it('still removes the services of a directory that no longer exists', async () => {
    const file = join(dir, 'app.yaml');
    await writeFile(file, servicesFile({ app: { token: tok('app') } }));
    const dynamic = createDynamicServices(dynamicOptions([dir]));
    await dynamic.rescan();

    await rm(dir, { recursive: true });
    const report = await dynamic.rescan();

    expect(report.removed).toEqual([{ file, services: ['app'] }]);
    expect(report.missingDirectories).toEqual([dir]);
    expect(report.unreadableDirectories).toEqual([]);
  });

  it.skipIf(!chmodDenies)('keeps the services of a directory made chmod 000', async () => {
    await writeFile(join(dir, 'app.yaml'), servicesFile({ app: { token: tok('app') } }));
    const dynamic = createDynamicServices(dynamicOptions([dir]));
    await dynamic.rescan();

    await chmod(dir, 0o000);
    const during = await dynamic.rescan();
    const servedDuring = dynamic.services().map((s) => s.name);
    await chmod(dir, 0o755);
    const after = await dynamic.rescan();

    expect(during.unreadableDirectories).toEqual([{ directory: dir, code: 'EACCES' }]);
    expect(during.removed).toEqual([]);
    expect(servedDuring).toEqual(['app']);
    expect(after.unreadableDirectories).toEqual([]);
  });
});

describe('createDynamicServices: a directory that goes and comes back', () => {
  let root: string;
  let dir: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'credproxy-dynamic-'));
    dir = join(root, 'dynamic');
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reports it missing at every rescan while it is gone, and restored once when it is back', async () => {
    const dynamic = createDynamicServices(dynamicOptions([dir]));

    const missing = await dynamic.rescan();
    await mkdir(dir);
    const back = await dynamic.rescan();
    const later = await dynamic.rescan();
    await rm(dir, { recursive: true });
    const goneAgain = await dynamic.rescan();

    expect(missing.missingDirectories).toEqual([dir]);
    expect(missing.restoredDirectories).toEqual([]);
    expect(back.missingDirectories).toEqual([]);
    expect(back.restoredDirectories).toEqual([dir]);
    expect(later.restoredDirectories).toEqual([]);
    expect(goneAgain.missingDirectories).toEqual([dir]);
  });

  it('reports a directory that can be listed again as restored', async () => {
    await mkdir(dir);
    const denied = new Map([[dir, 'EACCES']]);
    const dynamic = createDynamicServices(dynamicOptions([dir]), {
      reader: readerDenying(denied),
    });
    await dynamic.rescan();

    denied.delete(dir);
    const report = await dynamic.rescan();

    expect(report.restoredDirectories).toEqual([dir]);
  });
});

describe('createDynamicServices: dynamic_services.max_file_bytes', () => {
  const LIMIT = 1024;
  let dir: string;
  let file: string;
  /** What `readHead` was asked for, in order. */
  let reads: Array<{ path: string; maxBytes: number }>;
  /** Sizes `stat` reports instead of the real ones. */
  let statSizes: Map<string, number>;
  const reader: DirectoryReader = {
    ...nodeDirectoryReader,
    stat: async (path) => {
      const info = await nodeDirectoryReader.stat(path);
      const size = statSizes.get(path);
      return size === undefined
        ? info
        : {
            isFile: () => info.isFile(),
            isDirectory: () => info.isDirectory(),
            ino: info.ino,
            size,
            mtimeMs: info.mtimeMs,
            ctimeMs: info.ctimeMs,
          };
    },
    readHead: (path, maxBytes) => {
      reads.push({ path, maxBytes });
      return nodeDirectoryReader.readHead(path, maxBytes);
    },
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'credproxy-dynamic-'));
    file = join(dir, 'app.yaml');
    reads = [];
    statSizes = new Map();
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const create = () =>
    createDynamicServices(dynamicOptions([dir], { maxFileBytes: LIMIT }), { reader });
  const tooLarge = (bytes: number) => ({
    file,
    code: 'CONFIG_TOO_LARGE',
    issues: [
      {
        file,
        path: '',
        message: `file is ${bytes} bytes, over dynamic_services.max_file_bytes (${LIMIT})`,
      },
    ],
  });

  it('loads a file of exactly the limit', async () => {
    await writeFile(file, paddedTo(servicesFile({ app: { token: tok('app') } }), LIMIT));

    const report = await create().rescan();

    expect(report.loaded).toEqual([{ file, services: ['app'] }]);
  });

  it('rejects a file one byte over the limit without reading it, and keeps its previous definition', async () => {
    await writeFile(file, servicesFile({ app: { token: tok('old') } }));
    const dynamic = create();
    await dynamic.rescan();
    reads = [];

    await writeFile(file, paddedTo(servicesFile({ app: { token: tok('new') } }), LIMIT + 1));
    const report = await dynamic.rescan();

    expect(report.rejected).toEqual([tooLarge(LIMIT + 1)]);
    expect(reads).toEqual([]);
    expect(dynamic.services().map((s) => s.authToken)).toEqual([tok('old')]);
  });

  it('refuses a sparse file of 4 GiB by its size alone', async () => {
    await writeFile(file, '');
    await truncate(file, 4 * 1024 ** 3);

    const report = await create().rescan();

    expect(report.rejected).toEqual([tooLarge(4 * 1024 ** 3)]);
    expect(reads).toEqual([]);
  });

  it('refuses a file that grew past the limit between stat and read, reading one byte more than the limit', async () => {
    await writeFile(file, servicesFile({ app: { token: tok('old') } }));
    const dynamic = create();
    await dynamic.rescan();

    await writeFile(file, paddedTo(servicesFile({ app: { token: tok('new') } }), 4000));
    statSizes.set(file, 100);
    const report = await dynamic.rescan();

    expect(report.rejected).toEqual([tooLarge(4000)]);
    expect(reads.at(-1)).toEqual({ path: file, maxBytes: LIMIT + 1 });
    expect(dynamic.services().map((s) => s.authToken)).toEqual([tok('old')]);
  });

  it('rejects an oversized file once, and loads it when it shrinks under the limit', async () => {
    await writeFile(file, paddedTo(servicesFile({ app: { token: tok('app') } }), 2 * LIMIT));
    const dynamic = create();

    const first = await dynamic.rescan();
    const again = await dynamic.rescan();
    await writeFile(file, servicesFile({ app: { token: tok('app') } }));
    const shrunk = await dynamic.rescan();

    expect(first.rejected).toEqual([tooLarge(2 * LIMIT)]);
    expect(again.rejected).toEqual([]);
    expect(shrunk.loaded).toEqual([{ file, services: ['app'] }]);
  });

  it('never puts the content of an oversized file in the report', async () => {
    await writeFile(file, paddedTo(servicesFile({ app: { token: tok('secret') } }), 2 * LIMIT));

    const report = await create().rescan();

    expect(JSON.stringify(report)).not.toContain(tok('secret'));
  });
});

describe('createDynamicServices: a re-parse that finds nothing new', () => {
  let root: string;

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reports a file as loaded only when its services changed (SIGHUP re-parses every file)', async () => {
    root = await mkdtemp(join(tmpdir(), 'credproxy-dynamic-'));
    await writeFile(join(root, 'a.yaml'), servicesFile({ a: { token: tok('a') } }));
    await writeFile(join(root, 'b.yaml'), servicesFile({ b: { token: tok('b') } }));
    const dynamic = createDynamicServices(dynamicOptions([root]));
    const first = await dynamic.rescan();

    dynamic.reconfigure(dynamicOptions([root]));
    await writeFile(join(root, 'b.yaml'), servicesFile({ b: { token: tok('b2') } }));
    const second = await dynamic.rescan();

    expect(first.loaded.map((l) => l.services)).toEqual([['a'], ['b']]);
    expect(second.loaded.map((l) => l.services)).toEqual([['b']]);
  });
});
