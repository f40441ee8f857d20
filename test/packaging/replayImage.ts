import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import {
  type Dockerfile,
  type Healthcheck,
  isDockerIgnored,
  type Stage,
  toCopy,
  toEnv,
  toExecForm,
  toHealthcheck,
} from './dockerfile.js';

/**
 * Replays a Dockerfile without a Docker engine: each stage gets its own directory standing
 * for its root filesystem, COPY copies from the build context (the files a clean clone has,
 * less .dockerignore) or from an earlier stage, and RUN runs the npm commands for real. The
 * user set-up commands (groupadd, useradd, mkdir) are recorded, not run on this machine, and
 * `rm -rf` of the base image's files removes them from the replayed root (which never has them).
 */
export interface ReplayedImage {
  /** Directory standing for the final stage's `/`. */
  readonly root: string;
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  /** USER as written, e.g. `1338:1338`. */
  readonly user: string | undefined;
  readonly users: readonly { name: string; uid: number; gid: number | undefined }[];
  readonly exposed: readonly string[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly healthcheck: Healthcheck | undefined;
  /** Every RUN command of every stage, as written, by stage name. */
  readonly runs: Readonly<Record<string, readonly string[]>>;
}

/** npm could not reach the registry: the test skips (or fails under CREDPROXY_REQUIRE_ALL_TESTS). */
export class OfflineError extends Error {}

const OFFLINE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network/i;

/** The build context of a clean clone: tracked files plus new ones git does not ignore. */
export function contextFiles(repo: string, dockerignore: string): Set<string> {
  const listed = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
    cwd: repo,
    encoding: 'utf8',
  });
  return new Set(
    listed
      .split('\n')
      .filter((path) => path !== '' && existsSync(join(repo, path)))
      .filter((path) => !isDockerIgnored(path, dockerignore)),
  );
}

export function replayImage(
  dockerfile: Dockerfile,
  options: { repo: string; context: ReadonlySet<string>; into: string },
): ReplayedImage {
  const roots = new Map<string, string>();
  const runs: Record<string, string[]> = {};
  let last: ReplayedImage | undefined;
  dockerfile.stages.forEach((stage, index) => {
    const name = stage.name ?? String(index);
    const root = join(options.into, name);
    mkdirSync(root, { recursive: true, mode: 0o755 });
    runs[name] = [];
    last = replayStage(stage, { ...options, root, roots, runs: runs[name] });
    roots.set(name, root);
  });
  if (!last) throw new Error('the Dockerfile has no stage');
  return { ...last, runs };
}

interface StageContext {
  readonly repo: string;
  readonly context: ReadonlySet<string>;
  readonly root: string;
  readonly roots: ReadonlyMap<string, string>;
  readonly runs: string[];
}

function replayStage(stage: Stage, context: StageContext): ReplayedImage {
  let workdir = '/';
  const env: Record<string, string> = {};
  const users: { name: string; uid: number; gid: number | undefined }[] = [];
  const exposed: string[] = [];
  let user: string | undefined;
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let healthcheck: Healthcheck | undefined;
  const inRoot = (path: string) => join(context.root, posix.resolve(workdir, path));

  for (const instruction of stage.instructions) {
    switch (instruction.keyword) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, instruction.args);
        mkdirSync(inRoot('.'), { recursive: true, mode: 0o755 });
        break;
      case 'ENV':
        Object.assign(env, toEnv(instruction));
        break;
      case 'COPY':
        replayCopy(toCopy(instruction), context, inRoot, instruction.line);
        break;
      case 'RUN':
        for (const command of instruction.args.split('&&').map((part) => part.trim())) {
          context.runs.push(command);
          replayRun(command, inRoot('.'), context.root, users, instruction.line);
        }
        break;
      case 'USER':
        user = instruction.args;
        break;
      case 'EXPOSE':
        exposed.push(...instruction.args.split(/\s+/));
        break;
      case 'ENTRYPOINT':
        entrypoint = toExecForm(instruction.args, 'ENTRYPOINT');
        break;
      case 'CMD':
        cmd = toExecForm(instruction.args, 'CMD');
        break;
      case 'HEALTHCHECK':
        healthcheck = toHealthcheck(instruction);
        break;
      case 'LABEL':
      case 'ARG':
        break;
      default:
        throw new Error(`line ${instruction.line}: ${instruction.keyword} is not replayed`);
    }
  }
  return {
    root: context.root,
    workdir,
    env,
    user,
    users,
    exposed,
    entrypoint,
    cmd,
    healthcheck,
    runs: {},
  };
}

function replayCopy(
  copy: ReturnType<typeof toCopy>,
  context: StageContext,
  inRoot: (path: string) => string,
  line: number,
): void {
  const intoDirectory = copy.destination.endsWith('/') || copy.sources.length > 1;
  for (const source of copy.sources) {
    if (copy.from !== undefined) {
      const stageRoot = context.roots.get(copy.from);
      if (!stageRoot) throw new Error(`line ${line}: no earlier stage ${copy.from}`);
      const from = join(stageRoot, source);
      if (!existsSync(from)) throw new Error(`line ${line}: ${source} not in stage ${copy.from}`);
      const target = intoDirectory
        ? join(inRoot(copy.destination), posix.basename(source))
        : inRoot(copy.destination);
      cpSync(from, target, { recursive: true, verbatimSymlinks: true });
      continue;
    }
    const clean = posix.normalize(source).replace(/^\.\/|\/$/g, '');
    const files = [...context.context].filter(
      (file) => file === clean || file.startsWith(`${clean}/`),
    );
    if (files.length === 0) {
      throw new Error(
        `line ${line}: COPY ${source}: not in the build context (untracked by git or excluded by .dockerignore)`,
      );
    }
    const isDirectory = statSync(join(context.repo, clean)).isDirectory();
    for (const file of files) {
      let target: string;
      if (isDirectory) target = join(inRoot(copy.destination), file.slice(clean.length + 1));
      else if (intoDirectory) target = join(inRoot(copy.destination), posix.basename(file));
      else target = inRoot(copy.destination);
      mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
      cpSync(join(context.repo, file), target);
    }
  }
}

function replayRun(
  command: string,
  cwd: string,
  root: string,
  users: { name: string; uid: number; gid: number | undefined }[],
  line: number,
): void {
  const words = command.split(/\s+/);
  const [program, ...args] = words as [string, ...string[]];
  if (program === 'npm') {
    const result = spawnSync('npm', args, {
      cwd,
      encoding: 'utf8',
      timeout: 300_000,
      env: withoutNpmSettings(process.env),
    });
    if (result.status !== 0) {
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
      if (OFFLINE.test(output)) throw new OfflineError(`npm ${args.join(' ')}: ${output}`);
      throw new Error(`line ${line}: npm ${args.join(' ')} failed:\n${output}`);
    }
    return;
  }
  if (program === 'groupadd') return;
  if (program === 'useradd') {
    const uid = Number(flagValue(args, '--uid'));
    const gid = flagValue(args, '--gid');
    users.push({ name: args.at(-1)!, uid, gid: gid === undefined ? undefined : Number(gid) });
    return;
  }
  if (program === 'rm') {
    // Only `rm -rf` of absolute paths (the base image's package managers), inside the replayed
    // root; a glob names what the base image holds, which this replay never copied.
    if (args[0] !== '-rf' || args.slice(1).some((path) => !path.startsWith('/'))) {
      throw new Error(`line ${line}: only rm -rf /absolute/paths is replayed`);
    }
    for (const path of args.slice(1).filter((arg) => !arg.includes('*'))) {
      rmSync(join(root, path), { recursive: true, force: true });
    }
    return;
  }
  if (program === 'mkdir') {
    for (const path of args.filter((arg) => !arg.startsWith('-'))) {
      mkdirSync(join(root, path), { recursive: true, mode: 0o755 });
    }
    return;
  }
  throw new Error(`line ${line}: RUN ${program} is not replayed; teach test/packaging about it`);
}

/** `npm test` passes its own settings down as npm_* variables; an image build has none. */
function withoutNpmSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !/^npm_/i.test(key)));
}

function flagValue(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

/** Maps an absolute path inside the image to the replayed root; other words are unchanged. */
export function toHostPath(image: ReplayedImage, word: string): string {
  return word.startsWith('/') ? join(image.root, word) : word;
}

/** Apparent size in bytes of every file under `path` (what `du -sb` prints). */
export function apparentSize(path: string): number {
  const output = execFileSync('du', ['-sb', path], { encoding: 'utf8' });
  return Number(output.split(/\s+/)[0]);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
