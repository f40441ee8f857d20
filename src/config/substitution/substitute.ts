import type { FileReader } from '../fileReader.js';
import type { IssueCollector } from '../issues.js';
import type { PathSegment } from '../keyPath.js';
import { toKeyPath } from '../keyPath.js';
import type { ReferenceGuard } from './createReferenceGuard.js';
import type { Reference, ReferenceSources } from './resolveReference.js';
import { describeReference, resolveReference, toReference } from './resolveReference.js';

/** Nested references (an env value holding `${fromFile:...}`) expand at most this deep. */
export const MAX_SUBSTITUTION_DEPTH = 10;

/**
 * Budget of one string value, nested references included: references that fan out (ten per
 * file, a few files deep) would otherwise expand exponentially and block the event loop.
 */
export const MAX_REFERENCES_PER_VALUE = 100;
export const MAX_EXPANDED_CHARS = 64 * 1024;

/**
 * `${fromEnv:NAME}`, `${fromEnv:NAME:-default}`, `${fromFile:/path#key}`. A body may hold one
 * level of `${fromEnv:...}`, resolved first: `${fromFile:${fromEnv:SECRETS_DIR:-/run/secrets}/token}`
 * reads /run/secrets/token unless SECRETS_DIR moves it, and a default may name another variable.
 */
const REFERENCE = /\$\{(fromEnv|fromFile):((?:[^}$]|\$(?!\{fromEnv:)|\$\{fromEnv:[^}]*\})*)\}/g;
const NESTED_ENV = '${fromEnv:';

/** Keys whose value is a secret: a file feeding one must not be readable by group or others. */
const SECRET_KEYS = new Set(['auth_token', 'aws_secret_access_key', 'session_token']);

export interface SubstitutionOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly files: FileReader;
  readonly baseDir: string;
  /** Limits what references may read: set for dynamic service files only. */
  readonly guard?: ReferenceGuard;
}

export interface SubstitutionResult {
  /** The document with every reference replaced in place (failed ones left as written). */
  readonly value: unknown;
  /** Key paths whose value came, wholly or partly, from a reference: never print them. */
  readonly substitutedPaths: ReadonlySet<string>;
}

/**
 * Replaces `${fromEnv:...}` and `${fromFile:...}` in every string value (keys are left alone),
 * before validation, as the original did. Mutates `document`: callers pass a freshly parsed
 * one that nothing else holds, so ajv may then fill in defaults on it too. Failures and group/world-readable secret files are
 * reported to `issues`; a failed reference leaves its text in place so validation can go on.
 */
export function substituteDocument(
  document: unknown,
  options: SubstitutionOptions,
  issues: IssueCollector,
): SubstitutionResult {
  const sources: ReferenceSources = { ...options, parsedFiles: new Map() };
  const substitutedPaths = new Set<string>();
  const warnedFiles = new Set<string>();

  // One shared path stack, turned into a key path only where a `${` occurs: the walk visits
  // every node of a 10,000-service document.
  const segments: PathSegment[] = [];
  const substitute = (text: string): string => {
    const path = toKeyPath(segments);
    const state: ExpandState = { path, secretFiles: [], references: 0, overBudget: false };
    const expanded = expand(text, [], sources, issues, state);
    const result = state.overBudget ? text : expanded;
    substitutedPaths.add(path);
    const key = segments.at(-1);
    if (typeof key === 'string' && SECRET_KEYS.has(key)) {
      for (const file of state.secretFiles) warnIfShared(file, path);
    }
    return result;
  };
  const visit = (container: Record<string, unknown> | unknown[], key: string | number): void => {
    const node = (container as Record<string | number, unknown>)[key];
    if (typeof node === 'string') {
      if (!node.includes('${')) return;
      segments.push(key);
      (container as Record<string | number, unknown>)[key] = substitute(node);
      segments.pop();
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    segments.push(key);
    visitChildren(node);
    segments.pop();
  };
  const visitChildren = (node: object): void => {
    if (Array.isArray(node)) for (let i = 0; i < node.length; i++) visit(node, i);
    else for (const child of Object.keys(node)) visit(node as Record<string, unknown>, child);
  };

  const warnIfShared = (file: string, path: string): void => {
    if (warnedFiles.has(file)) return;
    warnedFiles.add(file);
    let mode: number;
    try {
      mode = options.files.modeOf(file);
    } catch {
      return; // It was just read; a race with deletion is not worth a second message.
    }
    if ((mode & 0o044) !== 0) {
      const octal = mode.toString(8).padStart(4, '0');
      issues.warn(
        path,
        `secret file ${file} is readable by group or others (mode ${octal}); restrict it, e.g. chmod 600 ${file}`,
        'SECRET_FILE_SHARED',
      );
    }
  };

  if (typeof document === 'object' && document !== null) visitChildren(document);
  return { value: document, substitutedPaths };
}

interface ExpandState {
  readonly path: string;
  readonly secretFiles: string[];
  /** References resolved so far in this value, at every depth. */
  references: number;
  /** Set once the value broke its budget (reported once): nothing more is resolved. */
  overBudget: boolean;
}

/** Expands every reference in `text`, then the references inside what they produced. */
function expand(
  text: string,
  chain: readonly string[],
  sources: ReferenceSources,
  issues: IssueCollector,
  state: ExpandState,
): string {
  let result = '';
  let last = 0;
  for (const match of text.matchAll(REFERENCE)) {
    const whole = match[0];
    const tag = match[1] === 'fromEnv' ? 'fromEnv' : 'fromFile';
    result += text.slice(last, match.index);
    result += expandOne(whole, tag, match[2] ?? '', chain, sources, issues, state);
    last = match.index + whole.length;
    if (state.overBudget) return text;
    // Checked after every piece, so no level ever holds much more than the budget.
    if (result.length > MAX_EXPANDED_CHARS) return tooLong(issues, state, text);
  }
  result += text.slice(last);
  return result.length > MAX_EXPANDED_CHARS ? tooLong(issues, state, text) : result;
}

/** Resolves one reference and expands what it produced. */
function expandOne(
  whole: string,
  tag: 'fromEnv' | 'fromFile',
  body: string,
  chain: readonly string[],
  sources: ReferenceSources,
  issues: IssueCollector,
  state: ExpandState,
): string {
  let resolvedBody = body;
  if (tag === 'fromFile' && body.includes(NESTED_ENV)) {
    // The path's own references first; if one fails (reported), the file is not tried.
    const before = issues.issues.length;
    resolvedBody = expand(body, chain, sources, issues, state);
    if (issues.issues.length > before || state.overBudget) return whole;
  }
  const reference: Reference = toReference(tag, resolvedBody, sources);
  const name = describeReference(reference);
  if (chain.includes(name)) {
    return fail(issues, state.path, `substitution loop: ${[...chain, name].join(' -> ')}`, whole);
  }
  if (chain.length >= MAX_SUBSTITUTION_DEPTH) {
    const reason = `references nest deeper than ${MAX_SUBSTITUTION_DEPTH} levels at ${name}`;
    return fail(issues, state.path, reason, whole);
  }
  state.references += 1;
  if (state.references > MAX_REFERENCES_PER_VALUE) {
    const reason = `more than ${MAX_REFERENCES_PER_VALUE} references in one value`;
    return overBudget(issues, state, reason, whole);
  }
  const resolution = resolveReference(reference, sources);
  if (!resolution.ok) {
    const via = chain.length === 0 ? '' : ` (via ${chain.join(' -> ')})`;
    return fail(issues, state.path, `${resolution.reason}${via}`, whole);
  }
  if (resolution.secretFile !== undefined) state.secretFiles.push(resolution.secretFile);
  if (!resolution.text.includes('${')) return resolution.text;
  return expand(resolution.text, [...chain, name], sources, issues, state);
}

function tooLong(issues: IssueCollector, state: ExpandState, text: string): string {
  return overBudget(issues, state, `references expand past ${MAX_EXPANDED_CHARS} characters`, text);
}

/** Reports a value over its budget, once; every expansion still running in it then stops. */
function overBudget(
  issues: IssueCollector,
  state: ExpandState,
  reason: string,
  text: string,
): string {
  if (!state.overBudget) issues.error(state.path, reason, 'SUBSTITUTION_FAILED');
  state.overBudget = true;
  return text;
}

/** Reports a failed reference and leaves its text in place. */
function fail(issues: IssueCollector, path: string, reason: string, whole: string): string {
  issues.error(path, reason, 'SUBSTITUTION_FAILED');
  return whole;
}
