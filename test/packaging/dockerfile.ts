/**
 * A reader for the subset of Dockerfile syntax our Dockerfile uses, so tests can check it and
 * replay it without a Docker engine. Anything it does not understand is an error, never a
 * silent skip: a Dockerfile change that this file cannot follow must break the test.
 */

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ... */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

export interface Stage {
  readonly name: string | undefined;
  /** The base image with build ARGs expanded. */
  readonly image: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  readonly globalArgs: Readonly<Record<string, string>>;
  readonly stages: readonly Stage[];
}

export interface CopyInstruction {
  readonly from: string | undefined;
  readonly chown: string | undefined;
  readonly sources: readonly string[];
  readonly destination: string;
}

export interface Healthcheck {
  readonly options: Readonly<Record<string, string>>;
  /** The CMD in exec form. */
  readonly command: readonly string[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions = toInstructions(text);
  const globalArgs: Record<string, string> = {};
  const stages: { name: string | undefined; image: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`line ${instruction.line}: cannot read FROM ${instruction.args}`);
      const image = match[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_whole, braced, bare) => {
        const name = (braced ?? bare) as string;
        const value = globalArgs[name];
        if (value === undefined) throw new Error(`line ${instruction.line}: ARG ${name} unset`);
        return value;
      });
      stages.push({ name: match[2], image, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') {
        throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
      }
      const [name, value = ''] = instruction.args.split('=', 2) as [string, string?];
      globalArgs[name.trim()] = value.trim();
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** Splits the file into instructions: comments dropped, `\` continuations joined. */
function toInstructions(text: string): Instruction[] {
  const result: Instruction[] = [];
  let pending: { keyword: string; parts: string[]; line: number } | undefined;
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*#/.test(line)) return;
    if (pending === undefined && line.trim() === '') return;
    const continued = /\\\s*$/.test(line);
    const body = continued ? line.replace(/\\\s*$/, '') : line;
    if (pending === undefined) {
      const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(body);
      if (!match) throw new Error(`line ${index + 1}: cannot read ${line}`);
      pending = { keyword: match[1]!.toUpperCase(), parts: [match[2]!.trim()], line: index + 1 };
    } else {
      pending.parts.push(body.trim());
    }
    if (!continued) {
      const args = pending.parts.filter((part) => part !== '').join(' ');
      result.push({ keyword: pending.keyword, args, line: pending.line });
      pending = undefined;
    }
  });
  if (pending !== undefined) throw new Error(`line ${pending.line}: unfinished continuation`);
  return result;
}

/** The last stage: what `docker build` produces. */
export function finalStage(dockerfile: Dockerfile): Stage {
  const stage = dockerfile.stages.at(-1);
  if (!stage) throw new Error('the Dockerfile has no FROM');
  return stage;
}

export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** The single value of an instruction that must appear once in the stage (USER, ENTRYPOINT). */
export function onlyInstruction(stage: Stage, keyword: string): Instruction {
  const found = instructionsOf(stage, keyword);
  if (found.length !== 1) {
    throw new Error(`expected one ${keyword} in the final stage, found ${found.length}`);
  }
  return found[0]!;
}

/** An exec-form (JSON array) argument list, as ENTRYPOINT, CMD and HEALTHCHECK CMD need. */
export function toExecForm(args: string, what: string): string[] {
  if (!args.startsWith('[')) throw new Error(`${what} must use the exec (JSON array) form`);
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new Error(`${what} must be a JSON array of strings`);
  }
  return parsed as string[];
}

export function toCopy(instruction: Instruction): CopyInstruction {
  const words = instruction.args.split(/\s+/);
  let from: string | undefined;
  let chown: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!;
    const [name, value] = flag.slice(2).split('=', 2);
    if (name === 'from') from = value;
    else if (name === 'chown') chown = value;
    else throw new Error(`line ${instruction.line}: COPY flag ${flag} is not understood`);
  }
  if (words.length < 2 || words[0]!.startsWith('[')) {
    throw new Error(`line ${instruction.line}: COPY needs plain "src... dest" form`);
  }
  const destination = words.pop()!;
  return { from, chown, sources: words, destination };
}

export function toHealthcheck(instruction: Instruction): Healthcheck {
  const match = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+(.+)$/.exec(instruction.args);
  if (!match)
    throw new Error(`line ${instruction.line}: HEALTHCHECK must be "[options] CMD [...]"`);
  const options: Record<string, string> = {};
  for (const option of match[1]!
    .trim()
    .split(/\s+/)
    .filter((part) => part !== '')) {
    const [name, value] = option.slice(2).split('=', 2) as [string, string];
    options[name] = value;
  }
  return { options, command: toExecForm(match[2]!, 'HEALTHCHECK CMD') };
}

/** `ENV A=1 B=2` (the `ENV A 1` legacy form is refused). Values may be double-quoted. */
export function toEnv(instruction: Instruction): Record<string, string> {
  const env: Record<string, string> = {};
  const pattern = /(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  let rest = instruction.args;
  for (const match of instruction.args.matchAll(pattern)) {
    const raw = match[2]!;
    env[match[1]!] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    rest = rest.replace(match[0], '');
  }
  if (rest.trim() !== '') throw new Error(`line ${instruction.line}: ENV must be KEY=value pairs`);
  return env;
}

/** Docker's duration syntax as used by HEALTHCHECK options (`10s`, `1m30s`, `500ms`). */
export function toMilliseconds(duration: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const match of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(match[1]) * units[match[2]!]!;
  }
  if (total === 0) throw new Error(`cannot read duration ${duration}`);
  return total;
}

/**
 * Whether `.dockerignore` keeps `path` out of the build context. Docker's rules: a pattern
 * matches a path or any of its parents, `*` stays within one segment, `**` spans segments,
 * `!` re-includes, and the last matching pattern wins.
 */
export function isDockerIgnored(path: string, dockerignore: string): boolean {
  const patterns = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const candidates = path.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const regex = globToRegex(negated ? pattern.slice(1) : pattern);
    if (candidates.some((candidate) => regex.test(candidate))) ignored = !negated;
  }
  return ignored;
}

function globToRegex(glob: string): RegExp {
  const clean = glob.replace(/^\/+/, '').replace(/\/+$/, '');
  let source = '';
  for (let index = 0; index < clean.length; index += 1) {
    const char = clean[index]!;
    if (char === '*' && clean[index + 1] === '*') {
      source += '.*';
      index += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
