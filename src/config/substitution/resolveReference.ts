import type { FileReader } from '../fileReader.js';
import { describeReadError } from '../fileReader.js';
import { isRecord } from '../keyPath.js';
import type { YamlParseOutcome } from '../parseYamlText.js';
import { parseYamlText } from '../parseYamlText.js';
import type { ReferenceGuard } from './createReferenceGuard.js';
import { resolveConfigPath } from './resolvePath.js';

/** What `${fromEnv:...}` and `${fromFile:...}` may read. */
export interface ReferenceSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly files: FileReader;
  /** Relative `fromFile` paths resolve against this: the directory of the config file. */
  readonly baseDir: string;
  /** Parsed `#key` files by path, so 10,000 references to one secrets file parse it once. */
  readonly parsedFiles?: Map<string, YamlParseOutcome>;
  /** Set for a dynamic service file: what its references may read. None for the main config. */
  readonly guard?: ReferenceGuard;
}

/** One parsed reference: `${fromEnv:NAME}`, `${fromEnv:NAME:-default}`, `${fromFile:/p#a.b}`. */
export type Reference =
  | { readonly kind: 'env'; readonly name: string; readonly fallback?: string }
  | { readonly kind: 'file'; readonly path: string; readonly keyPath?: string };

export type Resolution =
  | { readonly ok: true; readonly text: string; readonly secretFile?: string }
  | { readonly ok: false; readonly reason: string };

export function toReference(
  tag: 'fromEnv' | 'fromFile',
  body: string,
  sources: ReferenceSources,
): Reference {
  if (tag === 'fromEnv') {
    const split = body.indexOf(':-');
    return split === -1
      ? { kind: 'env', name: body }
      : { kind: 'env', name: body.slice(0, split), fallback: body.slice(split + 2) };
  }
  const hash = body.lastIndexOf('#');
  const rawPath = hash === -1 ? body : body.slice(0, hash);
  const path = rawPath === '' ? '' : resolveConfigPath(rawPath, sources.baseDir, sources.env.HOME);
  return hash === -1
    ? { kind: 'file', path }
    : { kind: 'file', path, keyPath: body.slice(hash + 1) };
}

/** A stable name for loop detection and messages; holds names and paths, never values. */
export function describeReference(reference: Reference): string {
  if (reference.kind === 'env') return `\${fromEnv:${reference.name}}`;
  const key = reference.keyPath === undefined ? '' : `#${reference.keyPath}`;
  return `\${fromFile:${reference.path}${key}}`;
}

/**
 * Resolves one reference to its raw text (before nested references are expanded). Reasons name
 * the variable, file or key, never a value. `:-` follows the shell: the fallback applies when
 * the variable is unset or empty.
 */
export function resolveReference(reference: Reference, sources: ReferenceSources): Resolution {
  if (reference.kind === 'env') {
    if (reference.name === '') return { ok: false, reason: `a \${fromEnv:} reference has no name` };
    const denied = sources.guard?.checkEnv(reference.name, describeReference(reference));
    if (denied !== undefined) return { ok: false, reason: denied };
    const value = sources.env[reference.name];
    if (value !== undefined && (value !== '' || reference.fallback === undefined)) {
      return { ok: true, text: value };
    }
    if (reference.fallback !== undefined) return { ok: true, text: reference.fallback };
    return { ok: false, reason: `environment variable ${reference.name} is not set` };
  }
  if (reference.path === '') return { ok: false, reason: `a \${fromFile:} reference has no path` };
  let readPath = reference.path;
  if (sources.guard !== undefined) {
    const verdict = sources.guard.checkFile(reference.path, describeReference(reference));
    if (!verdict.ok) return verdict;
    readPath = verdict.realPath;
  }
  let text: string;
  try {
    text = sources.files.readText(readPath);
  } catch (error) {
    return { ok: false, reason: describeReadError(reference.path, error) };
  }
  if (reference.keyPath === undefined) {
    return { ok: true, text: stripTrailingNewlines(text), secretFile: reference.path };
  }
  let parsed = sources.parsedFiles?.get(reference.path);
  if (parsed === undefined) {
    parsed = parseYamlText(text);
    sources.parsedFiles?.set(reference.path, parsed);
  }
  return readKey(parsed, reference.path, reference.keyPath);
}

function readKey(parsed: YamlParseOutcome, path: string, keyPath: string): Resolution {
  if (!parsed.ok) {
    return {
      ok: false,
      reason: `file ${path} is not valid YAML or JSON (line ${parsed.line}, column ${parsed.column}), so key ${keyPath} cannot be read`,
    };
  }
  let node: unknown = parsed.value;
  for (const key of keyPath.split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else node = isRecord(node) && Object.hasOwn(node, key) ? node[key] : undefined;
    if (node === undefined || node === null) {
      return { ok: false, reason: `key ${keyPath} not found in file ${path}` };
    }
  }
  if (typeof node === 'object') {
    const shape = Array.isArray(node) ? 'a list' : 'a mapping';
    return {
      ok: false,
      reason: `key ${keyPath} in file ${path} holds ${shape}, not a single value`,
    };
  }
  return { ok: true, text: stripTrailingNewlines(String(node)), secretFile: path };
}

/** A token with a trailing newline (`echo tok > file`) breaks every SDK; spaces are kept. */
function stripTrailingNewlines(text: string): string {
  return text.replace(/[\r\n]+$/, '');
}
