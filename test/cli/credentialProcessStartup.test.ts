import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../config/tempDir.js';
import { makeConfig, makeService } from '../helpers/configs.js';
import { flushMicrotasks } from '../helpers/fakeClock.js';
import { type InProcess, startInProcess } from '../helpers/startInProcess.js';
import { MAIN } from './runCredproxy.js';

const DIST = new URL('../../dist/', import.meta.url);

/** Names that exist only in the parts credential-process must not load (esbuild keeps names). */
const HEAVY = {
  'the config pipeline': 'function substituteDocument(',
  'the schema validators': 'ajv-formats',
  'the YAML parser': 'YAMLException',
  'the AWS SDK': 'STSClient',
  'the sidecar': 'function createSidecar(',
  'the logger': 'pino',
};

/** The files a module loads before its code runs: itself and its static imports, transitively. */
function staticClosure(entry: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (name: string) => {
    if (files.has(name)) return;
    const text = readFileSync(new URL(name, DIST), 'utf8');
    files.set(name, text);
    for (const match of text.matchAll(
      /(?:^|[;\s}])import\s*(?:[\w${},\s*]+from\s*)?"\.\/([^"]+)"/g,
    )) {
      if (match[1] !== undefined) visit(match[1]);
    }
  };
  visit(entry);
  return files;
}

function run(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; code: number; stdout: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, timeout: 20_000 }, (error, stdout) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ ms, code: error ? Number(error.code ?? 1) : 0, stdout });
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe('credproxy credential-process start-up (dist/, built by npm test)', () => {
  it('loads neither the config pipeline nor the AWS SDK: main.js and the command chunk import none of them', () => {
    const main = readFileSync(new URL('main.js', DIST), 'utf8');
    const chunk = /import\("\.\/(credentialProcessCommand-[^"]+\.js)"\)/.exec(main)?.[1];
    expect(chunk).toBeDefined();

    const loaded = new Map([...staticClosure('main.js'), ...staticClosure(chunk ?? '')]);
    const found = Object.entries(HEAVY)
      .filter(([, marker]) => [...loaded.values()].some((text) => text.includes(marker)))
      .map(([what]) => what);

    expect(found).toEqual([]);
    // Each marker is real: some chunk of the bundle (loaded by other commands) holds it.
    const everything = readdirSync(DIST)
      .filter((name) => name.endsWith('.js'))
      .map((name) => readFileSync(new URL(name, DIST), 'utf8'));
    for (const marker of Object.values(HEAVY)) {
      expect(everything.some((text) => text.includes(marker))).toBe(true);
    }
  });

  describe('wall time, measured against a sidecar in this process', () => {
    const dir = useTempDir();
    const app = makeService('timed');
    let t: InProcess;

    beforeAll(async () => {
      t = await startInProcess(makeConfig([app]));
      await flushMicrotasks();
    });

    afterAll(async () => {
      await t.sidecar.stop();
    });

    it('prints credentials in a fresh process; the time is reported (goal: 300 ms per call)', async () => {
      const file = dir.write('token', app.authToken);
      const env = { PATH: process.env.PATH ?? '' };
      const args = [
        MAIN,
        'credential-process',
        '--url',
        `${t.url}/v1/credentials`,
        '--token-file',
        file,
      ];
      const calls: number[] = [];
      const bare: number[] = [];

      for (let i = 0; i < 9; i++) {
        const call = await run(args, env);
        expect(call.code).toBe(0);
        expect(JSON.parse(call.stdout)).toMatchObject({ Version: 1 });
        calls.push(call.ms);
        bare.push((await run(['-e', '0'], env)).ms);
      }
      const overhead = median(calls) - median(bare);
      console.log(
        `credential-process wall time: median ${median(calls).toFixed(0)} ms over 9 calls ` +
          `(min ${Math.min(...calls).toFixed(0)} ms); node -e 0 alone: median ${median(bare).toFixed(0)} ms; ` +
          `credproxy's share: ${overhead.toFixed(0)} ms`,
      );

      // Not the goal itself (a loaded machine slows node's own start): what credproxy adds.
      expect(overhead).toBeLessThan(300);
    }, 120_000);
  });
});
