import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../src/config/types.js';
import { makeService } from '../helpers/configs.js';
import { hasBoto3, hasMoto } from '../helpers/requireTool.js';
import { toBareClientEnv } from './bareClientEnv.js';
import { type ClientRun, runClient } from './runClient.js';
import { type CredproxyOnMoto, startCredproxyOnMoto } from './startCredproxyOnMoto.js';

const POLL_JS = fileURLToPath(new URL('./scripts/pollCredentials.mjs', import.meta.url));
const POLL_PY = fileURLToPath(new URL('./scripts/poll_credentials.py', import.meta.url));
const WATCH = fileURLToPath(new URL('./scripts/watchTokenFile.mjs', import.meta.url));
const moto = hasMoto();
const boto3 = hasBoto3();

/** Two rotations and more: rotate_seconds 5, grace_seconds 1. */
const RUN_MS = 12_000;
const INTERVAL_MS = 100;

interface PollResult {
  readonly calls: number;
  readonly failures: number;
  readonly errors: string[];
  readonly accessKeyIds: string[];
}

function resultOf(run: ClientRun): PollResult {
  expect(run).toMatchObject({ exitCode: 0, timedOut: false });
  return JSON.parse(run.stdout) as PollResult;
}

describe.skipIf(!moto.available || !boto3.available)(
  'a token file rotated under clients fetching every 100 ms, on moto',
  () => {
    let rig: CredproxyOnMoto;
    let tokenDir: string;
    let tokenPath: string;

    beforeAll(async () => {
      const { authToken: _none, ...base } = makeService('rotating');
      // The token directory must exist before start: credproxy writes the file first.
      tokenDir = await mkdtemp(join(tmpdir(), 'credproxy-rotation-'));
      tokenPath = join(tokenDir, 'rotating');
      const service: ServiceConfig = {
        ...base,
        tokenFile: { path: tokenPath, rotateSeconds: 5, graceSeconds: 1, mode: 0o600 },
      };
      rig = await startCredproxyOnMoto([service]);
    });

    afterAll(async () => {
      await rig?.stop();
      await rm(tokenDir, { recursive: true, force: true });
    });

    it('never fails a call, refuses the old token after the grace period, and never shows a partial file', async () => {
      const env = toBareClientEnv(rig.moto.url, rig.dir, {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: rig.fullUri,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenPath,
      });
      const first = await readFile(tokenPath, 'utf8');

      const { result, counted } = await rig.counting(async () => {
        const clients = Promise.all([
          runClient(process.execPath, [POLL_JS, String(RUN_MS), String(INTERVAL_MS)], env),
          runClient('python3', [POLL_PY, String(RUN_MS), String(INTERVAL_MS)], env),
          runClient(process.execPath, [WATCH, tokenPath, String(RUN_MS)], env),
        ]);
        // The first rotation, then past its grace period but before the next rotation.
        while ((await readFile(tokenPath, 'utf8')) === first) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const second = await readFile(tokenPath, 'utf8');
        const afterGrace = await Promise.all(
          [first, second].map(async (token) => {
            const response = await fetch(rig.fullUri, { headers: { Authorization: token } });
            return response.status;
          }),
        );
        return { afterGrace, runs: await clients };
      });
      const [js, py, watch] = result.runs;
      const jsResult = resultOf(js as ClientRun);
      const pyResult = resultOf(py as ClientRun);
      const watched = JSON.parse((watch as ClientRun).stdout) as {
        reads: number;
        tokens: number;
        badReads: number;
      };

      expect(result.afterGrace).toEqual([403, 200]);
      expect(jsResult).toMatchObject({ failures: 0, errors: [] });
      expect(pyResult).toMatchObject({ failures: 0, errors: [] });
      // At least 8 calls a second each, whatever the machine's load.
      expect(jsResult.calls).toBeGreaterThan((RUN_MS / 1000) * 8);
      expect(pyResult.calls).toBeGreaterThan((RUN_MS / 1000) * 8);
      expect(jsResult.accessKeyIds).toEqual([
        await rig.servedAccessKeyId(await readFile(tokenPath, 'utf8')),
      ]);
      expect(watched.badReads).toBe(0);
      expect(watched.tokens).toBeGreaterThanOrEqual(3);
      expect(counted).toEqual({
        'credproxy_requests_total{service="rotating",result="success"}':
          jsResult.calls + pyResult.calls + 1,
        'credproxy_requests_total{service="unknown",result="invalid_token"}': 1,
      });
      console.log(
        `token file rotation: ${jsResult.calls} JS and ${pyResult.calls} botocore fetches, none failed; ` +
          `${watched.reads} reads of the file saw ${watched.tokens} tokens, ${watched.badReads} partial`,
      );
    }, 60_000);
  },
);
