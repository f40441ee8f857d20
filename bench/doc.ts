import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FigureResult } from './figure.js';
import { REPO_ROOT } from './processes.js';
import { toMarkdownTable } from './table.js';

export const DOC_FILE = join(REPO_ROOT, 'docs', 'benchmarks.md');
/** The hand-written analysis between these markers survives `npm run bench -- --write`. */
const NOTES_START = '<!-- analysis:start -->';
const NOTES_END = '<!-- analysis:end -->';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly date: string;
  /** `git describe --always --dirty` of the tree that was built and measured. */
  readonly revision: string;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly durationSeconds: number;
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly connections: number;
}

function keptAnalysis(): string {
  if (!existsSync(DOC_FILE)) return `${NOTES_START}\n${NOTES_END}`;
  const text = readFileSync(DOC_FILE, 'utf8');
  const start = text.indexOf(NOTES_START);
  const end = text.indexOf(NOTES_END);
  if (start < 0 || end < start) return `${NOTES_START}\n${NOTES_END}`;
  return text.slice(start, end + NOTES_END.length);
}

const load = (values: readonly number[]) => values.map((v) => v.toFixed(2)).join(', ');

export function toBenchmarksDoc(figures: readonly FigureResult[], machine: Machine): string {
  const notes = figures.flatMap((figure) => figure.notes ?? []);
  return `# Benchmarks

\`npm run bench\` builds credproxy and measures it on loopback only; \`npm run bench -- --write\`
also rewrites this file (the analysis section below is kept). Other flags: \`--only 1,7\`
(figures to run), \`--rounds N\`, \`--seconds S\` (length of a load round), \`--profile\`
(credproxy children run with \`--cpu-prof\`; profiles land in \`.bench-tmp/profiles/\`, and
\`node --import tsx bench/profileSummary.ts FILE [TOP] [--callers NAME]\` sums one up by package,
function and credproxy function including callees).
moto_server is needed for every figure but 5; without it they are skipped with the reason.

## How it measures

- The servers under test run in child processes, so the load generator (autocannon, in the
  runner's process) never shares an event loop with them. credproxy is the real binary,
  \`node dist/main.js --config FILE\`, with its log lines going to a file; the baseline is a bare
  \`node:http\` handler (\`bench/bareServer.ts\`) answering with a body of the same length and the
  same headers.
- Speed figures are ratios against a baseline measured in the same invocation. Load rounds are
  interleaved (each round runs every target once, starting with a different one) and the
  figure is the median over rounds; for throughput, the median of the per-round ratios.
  Absolute numbers are printed for reference: this machine is shared and noisy.
- Latency percentiles come from autocannon's per-response times at 10 µs resolution.
  Server CPU per request is the child's user + system time (from /proc) over 2xx responses;
  bare's divided by credproxy's is the capacity row, less sensitive than throughput to the load
  generator, which shares the two cores.
- STS is moto_server on a loopback port; the AssumeRole count is \`credproxy_sts_calls_total\`.
- The herd (figure 3) connects 1,000 sockets first, then writes one request on each at once.
  credproxy's first AssumeRole is held at a TCP gate in front of moto until credproxy has read
  them all (a /health request sent after them has answered), so the service is cold for every
  one. The baseline is the same herd against the bare server.
- Rotation (figure 7) rewrites the config with a new \`RoleSessionName\` and sends SIGHUP twice
  per round while ${machine.connections} connections load the endpoint: a changed role never
  gets the old set, so each rotation is a real AssumeRole under load.
- JWT identity (figure 11): the first verification of 400 fresh ES256 tokens runs in the
  runner's process through the real JWT identity (after a warm-up); the warm load runs one
  credproxy with a static-token service and a JWT-only service whose issuer maps two claims to
  session tags, loaded in interleaved rounds with each token and with a static token as long
  as the JWT (the cost of a longer header alone).

## Latest results

${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${machine.date}, tree
${machine.revision}; load average
(1, 5, 15 min) ${load(machine.loadBefore)} before and ${load(machine.loadAfter)} after;
${machine.rounds} rounds of ${machine.roundSeconds} s at ${machine.connections} connections;
the whole run took ${Math.round(machine.durationSeconds)} s.

${toMarkdownTable(figures)}

${figures.map((figure) => `- ${figure.summary}`).join('\n')}
${notes.length > 0 ? `\n${notes.map((note) => `- ${note}`).join('\n')}\n` : ''}
## Analysis

${keptAnalysis()}
`;
}

export function writeBenchmarksDoc(figures: readonly FigureResult[], machine: Machine): void {
  writeFileSync(DOC_FILE, toBenchmarksDoc(figures, machine));
}
