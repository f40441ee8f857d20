/**
 * `node --import tsx bench/profileSummary.ts FILE.cpuprofile [TOP] [--callers NAME]`: where a
 * V8 CPU profile (from `npm run bench -- --profile`) spent its busy samples (idle excluded): self
 * time by package or folder and by function, time including callees for credproxy's own
 * functions, and optionally who calls functions named NAME.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** `node_modules/pino/...` → `pino`; our files → their folder under src/ or dist/. */
function toOwner(url: string): string {
  if (url === '') return '(native/V8)';
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1] as string;
  if (url.startsWith('node:')) return 'node core';
  const ours = /\/(?:src|dist)\/(.+)\/[^/]+$/.exec(url);
  if (ours) return `credproxy ${ours[1]}/`;
  return url.replace(/^file:\/\//, '');
}

function toName(node: ProfileNode): string {
  const frame = node.callFrame;
  const where = frame.url.replace(/^.*\/(node_modules|src|dist)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
}

const isOurs = (node: ProfileNode) =>
  /\/(src|dist)\//.test(node.callFrame.url) && !node.callFrame.url.includes('node_modules');

function summarize(profile: Profile, top: number, callersOf: string | undefined): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    if (byId.get(id)?.callFrame.functionName === '(idle)') return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const busy = [...selfUs.values()].reduce((sum, us) => sum + us, 0);
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  const inclusiveOurs = new Map<string, number>();
  const callers = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const name = toName(node);
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const owner = toOwner(node.callFrame.url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
    // Walk up the stack once per sample: each function counted once even when recursive.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at);
      if (!frame) break;
      const frameName = toName(frame);
      if (isOurs(frame) && !seen.has(frameName)) {
        seen.add(frameName);
        inclusiveOurs.set(frameName, (inclusiveOurs.get(frameName) ?? 0) + us);
      }
      if (callersOf && frame.callFrame.functionName === callersOf) {
        const parent = byId.get(parentOf.get(at) ?? -1);
        const key = parent ? toName(parent) : '(root)';
        callers.set(key, (callers.get(key) ?? 0) + us);
      }
    }
  }
  const table = (entries: Map<string, number>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, us]) =>
          `${((us / busy) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(1).padStart(8)} ms  ${name}`,
      )
      .join('\n');
  const sections = [
    `busy (not idle): ${(busy / 1000).toFixed(0)} ms`,
    `self time by owner:\n${table(byOwner)}`,
    `self time by function:\n${table(byFunction)}`,
    `credproxy functions, including callees:\n${table(inclusiveOurs)}`,
  ];
  if (callersOf) sections.push(`callers of ${callersOf}:\n${table(callers)}`);
  return `${sections.join('\n\n')}\n`;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { callers: { type: 'string' } },
});
const [file, top] = positionals;
if (!file) {
  process.stderr.write('usage: bench/profileSummary.ts FILE.cpuprofile [TOP] [--callers NAME]\n');
  process.exitCode = 2;
} else {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  process.stdout.write(summarize(profile, Number(top ?? 25), values.callers));
}
