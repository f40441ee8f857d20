import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeService } from '../helpers/configs.js';
import { hasMoto } from '../helpers/requireTool.js';
import { toClientEnv } from './clientEnv.js';
import { runClient } from './runClient.js';
import { type CredproxyOnMoto, startCredproxyOnMoto } from './startCredproxyOnMoto.js';

const SCRIPT = fileURLToPath(new URL('./scripts/callerIdentity.mjs', import.meta.url));
const missingTool = !hasMoto().available;
/** moto accepts any well-formed JWT for AssumeRoleWithWebIdentity; this one is static. */
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6d2ViIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20ifQ.c2lnbmF0dXJlLW5vdC1jaGVja2VkLWJ5LW1vdG8';
const link = (arn: string) => ({
  roleArn: arn,
  roleSessionName: 'credproxy',
  durationSeconds: 3600,
});

describe.skipIf(missingTool)(
  'the JS SDK v3 default chain on roles reached by web identity and a chain',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'credproxy-webid-client-'));
    const tokenFile = join(dir, 'token');
    const web = makeService('web-app', {
      source: { kind: 'webIdentity', region: 'us-east-1', tokenFile },
      role: { ...makeService('web-app').role, chain: [link('arn:aws:iam::123456789012:role/pod')] },
    });
    const hubbed = makeService('hubbed-app', {
      role: {
        ...makeService('hubbed-app').role,
        chain: [link('arn:aws:iam::111111111111:role/hub')],
      },
    });
    let rig: CredproxyOnMoto;

    beforeAll(async () => {
      writeFileSync(tokenFile, JWT);
      rig = await startCredproxyOnMoto([web, hubbed]);
    });

    afterAll(async () => {
      await rig?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it.each([
      ['web-app', web],
      ['hubbed-app', hubbed],
    ])(
      '%s: GetCallerIdentity is the service role, with the key credproxy serves',
      async (name, service) => {
        const env = await toClientEnv({
          fullUri: rig.fullUri,
          stsUrl: rig.moto.url,
          token: service.authToken,
          form: 'file',
          dir: rig.dir,
        });

        const run = await runClient(process.execPath, [SCRIPT, '2', 'chain'], env);

        expect(run).toMatchObject({ exitCode: 0, timedOut: false });
        const output = JSON.parse(run.stdout) as { arns: string[]; accessKeyIds: string[] };
        expect(output.arns).toEqual(
          Array(2).fill(`arn:aws:sts::123456789012:assumed-role/${name}/credproxy`),
        );
        expect(output.accessKeyIds).toEqual(
          Array(2).fill(await rig.servedAccessKeyId(service.authToken)),
        );
      },
    );
  },
);
