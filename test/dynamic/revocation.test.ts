import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeConfig, makeService } from '../helpers/configs.js';
import { type InProcess, startInProcess } from '../helpers/startInProcess.js';
import { eventually } from '../helpers/startTestApp.js';
import { servicesFile, tok } from './serviceFiles.js';

describe('revoking a dynamic service while STS hangs', () => {
  let root: string;
  let t: InProcess | undefined;

  afterEach(async () => {
    t?.assumer.release();
    await t?.sidecar.stop();
    await rm(root, { recursive: true, force: true });
  });

  it("rejects a deleted file's token within reload_interval + 1 s, whatever STS does", async () => {
    root = await mkdtemp(join(tmpdir(), 'credproxy-revoke-'));
    const dir = join(root, 'dynamic');
    await mkdir(dir);
    await writeFile(join(dir, 'old.yaml'), servicesFile({ old: { token: tok('old') } }));
    t = await startInProcess(
      makeConfig([makeService('static1')], {
        awsDefaults: { region: 'us-east-1', raw: { region: 'us-east-1' } },
        dynamicServices: {
          enabled: true,
          directories: [{ path: dir, includePatterns: [], excludePatterns: [] }],
          reloadIntervalSeconds: 1,
          secretDirectories: [],
          allowedEnv: [],
          maxFileBytes: 1024 * 1024,
          tokenDirectories: [],
        },
      }),
    );
    const app = t;
    const status = async (token: string) => (await app.get('/v1/credentials', token)).status;
    await eventually(async () => (await status(tok('old'))) === 200, 5_000, 50);

    // STS now hangs: 40 new services wait for it forever.
    app.assumer.hold = true;
    const many = Array.from({ length: 40 }, (_, i) => `new${i}`);
    await writeFile(
      join(dir, 'many.yaml'),
      servicesFile(Object.fromEntries(many.map((n) => [n, { token: tok(n) }]))),
    );
    await eventually(() => app.assumer.calls >= 2, 5_000, 50);
    await unlink(join(dir, 'old.yaml'));
    const deleted = Date.now();
    await eventually(async () => (await status(tok('old'))) === 403, 10_000, 50);
    const revokedAfterMs = Date.now() - deleted;
    console.log(`revocation with STS hanging: old token refused ${revokedAfterMs} ms after delete`);

    expect(revokedAfterMs).toBeLessThan(2_000);
  }, 30_000);
});
