import { describe, expect, it } from 'vitest';
import type { ServiceConfig, TokenFileConfig } from '../../src/config/types.js';
import type { DomainLogger } from '../../src/credentials/types.js';
import { WRITE_RETRY_MS } from '../../src/identity/createRotatingToken.js';
import { createTokenFiles, type TokenFileHolder } from '../../src/identity/createTokenFiles.js';
import { createTokenIndex } from '../../src/identity/createTokenIndex.js';
import { toTokenDigest } from '../../src/identity/tokenDigest.js';
import type { TokenFileWriter } from '../../src/identity/writeTokenFile.js';
import { createFakeClock, flushMicrotasks } from '../helpers/fakeClock.js';

const SECOND = 1_000;

/** A writer that records every write and removal; writes can be held or made to fail. */
function createRecordingWriter() {
  const files = new Map<string, { token: string; mode: number }>();
  const removed: string[] = [];
  let held: Array<() => void> = [];
  const writer = {
    files,
    removed,
    writes: 0,
    hold: false,
    failWith: undefined as string | undefined,
    release() {
      const go = held;
      held = [];
      for (const resume of go) resume();
    },
    async write(path: string, token: string, mode: number) {
      writer.writes += 1;
      if (writer.hold) await new Promise<void>((resolve) => held.push(resolve));
      if (writer.failWith !== undefined) {
        throw Object.assign(new Error('write failed'), { code: writer.failWith });
      }
      files.set(path, { token, mode });
    },
    async remove(path: string) {
      removed.push(path);
      files.delete(path);
    },
  } satisfies TokenFileWriter & Record<string, unknown>;
  return writer;
}

function createLogger() {
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      lines.push({ level, fields, message });
    };
  const logger: DomainLogger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}

const SPEC: TokenFileConfig = { path: '/t/app1', rotateSeconds: 60, graceSeconds: 10, mode: 0o640 };

function holder(
  name: string,
  spec: TokenFileConfig | undefined = SPEC,
  kind: 'static' | 'dynamic' = 'static',
): TokenFileHolder {
  return { name, ...(spec ? { tokenFile: spec } : {}), origin: { kind, file: 'config.yaml' } };
}

function setUp() {
  const clock = createFakeClock();
  const writer = createRecordingWriter();
  const { logger, lines } = createLogger();
  let n = 0;
  const files = createTokenFiles({
    clock,
    logger,
    writer,
    newToken: () => `token-${++n}`.padEnd(64, '0'),
  });
  const accepts = (token: string | undefined): string | undefined =>
    token === undefined ? undefined : files.serviceOf(toTokenDigest(token));
  return { clock, writer, lines, files, accepts, shown: () => writer.files.get(SPEC.path)?.token };
}

describe('createTokenFiles', () => {
  it('generates 256 random bits as 64 hex characters by default', async () => {
    const clock = createFakeClock();
    const writer = createRecordingWriter();
    const files = createTokenFiles({ clock, logger: createLogger().logger, writer });

    files.apply([holder('app1')]);
    await files.written();

    expect(writer.files.get(SPEC.path)?.token).toMatch(/^[0-9a-f]{64}$/);
    expect(writer.files.get(SPEC.path)?.mode).toBe(0o640);
    files.stop();
  });

  it('accepts a new token in the same step that applies the service, before its file exists', async () => {
    const { writer, files, accepts } = setUp();
    writer.hold = true;

    files.apply([holder('app1')]);
    const beforeWrite = accepts('token-1'.padEnd(64, '0'));
    await flushMicrotasks();
    const fileBeforeWrite = writer.files.get(SPEC.path);
    writer.release();
    await files.written();

    expect(beforeWrite).toBe('app1');
    expect(fileBeforeWrite).toBeUndefined();
    expect(writer.files.get(SPEC.path)?.token).toBe('token-1'.padEnd(64, '0'));
  });

  it('rotates every rotate_seconds: the new token accepted before the file shows it, the old one for grace_seconds after the write', async () => {
    const { clock, writer, files, accepts, shown } = setUp();
    files.apply([holder('app1')]);
    await files.written();
    const first = shown();
    writer.hold = true;

    await clock.advance(60 * SECOND);
    const second = 'token-2'.padEnd(64, '0');
    const duringWrite = { first: accepts(first), second: accepts(second), file: shown() };
    await clock.advance(30 * SECOND); // a write that takes 30 s: the grace starts after it
    writer.release();
    await flushMicrotasks();
    await clock.advance(10 * SECOND - 1);
    const lastGraceMs = { first: accepts(first), second: accepts(second) };
    await clock.advance(1);

    expect(duringWrite).toEqual({ first: 'app1', second: 'app1', file: first });
    expect(shown()).toBe(second);
    expect(lastGraceMs).toEqual({ first: 'app1', second: 'app1' });
    expect(accepts(first)).toBeUndefined();
    expect(accepts(second)).toBe('app1');
    expect(files.size).toBe(1);
  });

  it('keeps the token the file still shows when a write fails, retries it after 10 s, and logs no token', async () => {
    const { clock, writer, files, accepts, shown, lines } = setUp();
    files.apply([holder('app1')]);
    await files.written();
    const first = shown();
    writer.failWith = 'ENOSPC';

    await clock.advance(60 * SECOND);
    await clock.advance(WRITE_RETRY_MS - 1);
    const beforeRetry = { writes: writer.writes, first: accepts(first), file: shown() };
    writer.failWith = undefined;
    await clock.advance(1);
    await clock.advance(10 * SECOND);

    expect(beforeRetry).toEqual({ writes: 2, first: 'app1', file: first });
    expect(writer.writes).toBe(3);
    expect(shown()).toBe('token-2'.padEnd(64, '0'));
    expect(accepts(first)).toBeUndefined();
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors.map((line) => line.message)).toEqual([
      'cannot write the token file of service app1 (ENOSPC); retrying in 10 s',
    ]);
    expect(JSON.stringify(lines)).not.toContain('token-');
  });

  it("rejects written() with TOKEN_FILE_FAILED naming a static service's path, never its token", async () => {
    const { writer, files } = setUp();
    writer.failWith = 'ENOENT';

    files.apply([holder('app1')]);
    const error = await files.written().catch((e: unknown) => e);

    expect(error).toMatchObject({
      code: 'TOKEN_FILE_FAILED',
      message: 'cannot write the token file of service app1 at /t/app1 (ENOENT)',
    });
    expect(String((error as Error).message)).not.toContain('token-1');
  });

  it("only logs a dynamic service's failed write: written() resolves", async () => {
    const { writer, files, lines } = setUp();
    writer.failWith = 'EACCES';

    files.apply([holder('dyn', { ...SPEC, path: '/t/dyn' }, 'dynamic')]);
    await files.written();
    await flushMicrotasks();

    expect(lines.filter((line) => line.level === 'error').map((line) => line.message)).toEqual([
      'cannot write the token file of service dyn (EACCES); retrying in 10 s',
    ]);
  });

  it('after the start, only logs a static service whose file cannot be written (a reload keeps running)', async () => {
    const { writer, files, lines } = setUp();
    files.apply([]);
    await files.written();
    writer.failWith = 'EACCES';

    files.apply([holder('app1')]);
    await files.written();
    await flushMicrotasks();

    expect(lines.filter((line) => line.level === 'error')).toHaveLength(1);
  });

  it('keeps the token of an unchanged definition across apply, and writes nothing again', async () => {
    const { writer, files, accepts } = setUp();
    files.apply([holder('app1')]);
    await files.written();

    files.apply([holder('app1'), holder('other', undefined)]);
    await files.written();

    expect(writer.writes).toBe(1);
    expect(accepts('token-1'.padEnd(64, '0'))).toBe('app1');
  });

  it('removes the file of a removed service and stops accepting and rotating its token', async () => {
    const { clock, writer, files, accepts } = setUp();
    files.apply([holder('app1')]);
    await files.written();

    files.apply([]);
    await flushMicrotasks();
    await clock.advance(120 * SECOND);

    expect(accepts('token-1'.padEnd(64, '0'))).toBeUndefined();
    expect(writer.removed).toEqual([SPEC.path]);
    expect(writer.writes).toBe(1);
    expect(clock.pending()).toEqual([]);
  });

  it('starts a changed definition with a new token and still accepts the old one for one grace period', async () => {
    const { clock, writer, files, accepts } = setUp();
    files.apply([holder('app1')]);
    await files.written();
    const moved = { ...SPEC, path: '/t/moved' };

    files.apply([holder('app1', moved)]);
    await flushMicrotasks();
    const both = [accepts('token-1'.padEnd(64, '0')), accepts('token-2'.padEnd(64, '0'))];
    await clock.advance(10 * SECOND);

    expect(both).toEqual(['app1', 'app1']);
    expect(writer.files.get('/t/moved')?.token).toBe('token-2'.padEnd(64, '0'));
    expect(writer.removed).toEqual(['/t/app1']);
    expect(accepts('token-1'.padEnd(64, '0'))).toBeUndefined();
  });

  it('gives a second service claiming a path no token file, and says which service holds it', async () => {
    const { writer, files, lines, accepts } = setUp();
    files.apply([holder('app1')]);
    await files.written();

    files.apply([holder('app1'), holder('intruder', SPEC, 'dynamic')]);
    await files.written();

    expect(writer.writes).toBe(1);
    expect(accepts('token-2'.padEnd(64, '0'))).toBeUndefined();
    expect(lines.at(-1)).toMatchObject({
      level: 'error',
      message: 'token file of service intruder not written: service app1 already writes that path',
    });
  });

  it('stops every rotation on stop(), leaving the files for a restart to overwrite', async () => {
    const { clock, writer, files } = setUp();
    files.apply([holder('app1')]);
    await files.written();

    files.stop();
    await clock.advance(600 * SECOND);

    expect(writer.writes).toBe(1);
    expect(writer.removed).toEqual([]);
    expect(clock.pending()).toEqual([]);
  });
});

describe('createTokenIndex with generated tokens', () => {
  it('finds static tokens and token-file tokens, and skips services without a static token', async () => {
    const { files } = setUp();
    files.apply([holder('app1')]);
    const services: Array<Pick<ServiceConfig, 'name' | 'authToken'>> = [
      { name: 'static', authToken: 'static-token-0123456789abcdef0123456789' },
      { name: 'app1' },
    ];

    const index = createTokenIndex(services, files);

    expect(index.lookup('static-token-0123456789abcdef0123456789')).toBe('static');
    expect(index.lookup('token-1'.padEnd(64, '0'))).toBe('app1');
    expect(index.lookup('')).toBeUndefined();
    expect(index.size).toBe(2);
  });
});
