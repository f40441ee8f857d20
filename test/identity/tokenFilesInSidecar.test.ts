import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../src/config/types.js';
import { useTempDir } from '../config/tempDir.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { type InProcess, startInProcess } from '../helpers/startInProcess.js';
import { eventually } from '../helpers/startTestApp.js';

const SECOND = 1_000;
let running: InProcess | undefined;

afterEach(async () => {
  await running?.sidecar.stop();
  running = undefined;
});

/** A service that authenticates only with a token file credproxy writes at `path`. */
function fileService(name: string, path: string): ServiceConfig {
  const { authToken: _none, ...service } = makeService(name);
  return { ...service, tokenFile: { path, rotateSeconds: 5, graceSeconds: 1, mode: 0o640 } };
}

describe('token files in a running sidecar', () => {
  const dir = useTempDir();

  it('writes the file before start() resolves, and its token authenticates the service', async () => {
    const path = join(dir.path(), 'app1');

    running = await startInProcess(makeConfig([fileService('app1', path)]));
    const token = readFileSync(path, 'utf8');
    const response = await running.get('/v1/credentials', token);

    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(response.status).toBe(200);
  });

  it('rotates on schedule: both tokens work until grace_seconds after the new file, then only the new one', async () => {
    const path = join(dir.path(), 'app1');
    running = await startInProcess(makeConfig([fileService('app1', path)]));
    const first = readFileSync(path, 'utf8');

    await running.clock.advance(5 * SECOND);
    await eventually(() => readFileSync(path, 'utf8') !== first);
    const second = readFileSync(path, 'utf8');
    const during = [
      (await running.get('/v1/credentials', first)).status,
      (await running.get('/v1/credentials', second)).status,
    ];
    await running.clock.advance(1 * SECOND);
    const after = [
      (await running.get('/v1/credentials', first)).status,
      (await running.get('/v1/credentials', second)).status,
    ];

    expect(during).toEqual([200, 200]);
    expect(after).toEqual([403, 200]);
  });

  it('does not start when a static token file cannot be written, naming the service and path', async () => {
    const path = join(dir.path(), 'no-such-dir', 'app1');

    const error = await startInProcess(makeConfig([fileService('app1', path)])).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({
      code: 'TOKEN_FILE_FAILED',
      message: `cannot write the token file of service app1 at ${path} (ENOENT)`,
    });
  });

  it('removes the file of a service a reload removed, and its token stops working at once', async () => {
    const path = join(dir.path(), 'app1');
    const other = makeService('other');
    running = await startInProcess(makeConfig([fileService('app1', path), other]));
    const token = readFileSync(path, 'utf8');
    running.setNextConfig(makeConfig([other]));

    await running.sidecar.reload();
    const status = (await running.get('/v1/credentials', token)).status;
    await eventually(() => !existsSync(path));

    expect(status).toBe(403);
  });
});
