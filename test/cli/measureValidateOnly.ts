/**
 * Measures `credproxy --validate-only` on a generated config of 10,000 services (issue 2:
 * must take under 1 s). Run after `npm run build`:
 *   node --import tsx test/cli/measureValidateOnly.ts [services] [runs]
 * Prints each run's wall time and the median.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateServicesConfig } from './generateServicesConfig.js';

const count = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'credproxy-measure-'));
try {
  const file = join(dir, 'config.yaml');
  writeFileSync(file, generateServicesConfig(count));
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(
      process.execPath,
      ['dist/main.js', '--config', file, '--validate-only'],
      {
        encoding: 'utf8',
      },
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`exit ${result.status}: ${result.stderr}`);
    times.push(ms);
    console.log(`run ${run + 1}: ${ms.toFixed(0)} ms`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `median of ${runs} runs, ${count} services: ${sorted[Math.floor(runs / 2)]?.toFixed(0)} ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
