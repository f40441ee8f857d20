import type { EventType, LoadOptions, State } from 'js-yaml';
import { DEFAULT_SCHEMA, load, Type, YAMLException } from 'js-yaml';
import { findQuoteSpans } from './findQuoteSpans.js';

export type YamlParseOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly line: number; readonly column: number; readonly reason: string };

/**
 * Nodes that aliases and merge keys may add to what a document spells out. An alias shares the
 * anchored value, so parsing a "billion laughs" document is cheap, but every later walk over
 * the value (substitution, validation) would visit each copy.
 */
const MAX_ALIAS_EXPANSION_NODES = 1_000_000;
/** Nesting with aliases expanded: later walks recurse, so this keeps them off the stack limit. */
const MAX_EXPANDED_DEPTH = 1_000;

const ALIASES_EXPAND_TOO_FAR = 'aliases expand too many times';
const MISSING_DOUBLE = 'Missing closing "quote';
const MISSING_SINGLE = "Missing closing 'quote";
const MULTIPLE_DOCUMENTS = 'the file holds more than one YAML document (--- starts another one)';

/**
 * Parses YAML (or JSON, a subset) without ever echoing the source: js-yaml's messages end with
 * a snippet of the offending line, which may hold a secret, so only its reason is kept (or
 * fixed wording where the reason quotes the document, see REASONS), with the line and column.
 *
 * YAML 1.1 as the original's PyYAML `safe_load` reads it, so existing configs keep their
 * meaning: `yes`/`no`/`on`/`off` are booleans, `0777` is octal and `<<` merge keys work.
 * Duplicate keys are an error (PyYAML silently kept the last one, which hides a mistyped
 * service). One document per file.
 */
export function parseYamlText(text: string): YamlParseOutcome {
  let value: unknown;
  try {
    // A stream with no document at all (empty, only comments) loads as undefined.
    value = load(text, LOAD_OPTIONS) ?? null;
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    return toFailure(
      text,
      (error.mark?.line ?? 0) + 1,
      (error.mark?.column ?? 0) + 1,
      error.reason,
    );
  }
  // Without an anchor (`&`) there is no alias, so the value is a tree no bigger than the text.
  if (text.includes('&') && !staysWithin(value, text.length + MAX_ALIAS_EXPANSION_NODES)) {
    return { ok: false, line: 1, column: 1, reason: ALIASES_EXPAND_TOO_FAR };
  }
  return { ok: true, value };
}

/**
 * js-yaml places an unclosed quote where the text ends, and a quote closed by the next value's
 * opening quote wherever the mangled rest breaks: both point at the opening quote instead.
 */
function toFailure(
  text: string,
  line: number,
  column: number,
  rawReason: string,
): YamlParseOutcome & { ok: false } {
  const reason = toReason(rawReason);
  const spans = findQuoteSpans(text);
  if (reason === MISSING_DOUBLE || reason === MISSING_SINGLE) {
    const unclosed = spans.findLast((span) => span.endLine === undefined);
    if (unclosed !== undefined) {
      return { ok: false, line: unclosed.line, column: unclosed.column, reason };
    }
  }
  const runOn = spans.find((span) => span.endLine !== undefined && span.line < line);
  if (runOn === undefined) return { ok: false, line, column, reason };
  const hint = `the quote at line ${runOn.line}, column ${runOn.column} runs on to line ${String(runOn.endLine)}: is its closing quote missing?`;
  return { ok: false, line, column, reason: `${reason} (${hint})` };
}

/**
 * Whether the value, with every alias expanded, has at most `maxNodes` nodes and nests at most
 * MAX_EXPANDED_DEPTH deep. A document without aliases has no more nodes than characters, so
 * only aliases (or a cycle: `&a [*a]`) can exceed `text.length + MAX_ALIAS_EXPANSION_NODES`.
 */
function staysWithin(value: unknown, maxNodes: number): boolean {
  const pending: { readonly node: unknown; readonly depth: number }[] = [{ node: value, depth: 1 }];
  let visited = 0;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    visited += 1;
    if (visited > maxNodes || next.depth > MAX_EXPANDED_DEPTH) return false;
    const { node, depth } = next;
    if (typeof node !== 'object' || node === null) continue;
    const children = Array.isArray(node)
      ? node
      : Object.getPrototypeOf(node) === Object.prototype
        ? Object.values(node)
        : [];
    for (const child of children) pending.push({ node: child, depth: depth + 1 });
  }
  return true;
}

/** PyYAML's YAML 1.1 booleans: the full 1.1 list would also turn a bare `y` or `n` into one. */
const PYYAML_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PYYAML_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

/** YAML 1.1 integers (yaml.org/type/int): `_` separators, 0b, leading-0 octal, 0x, base 60. */
const INT_1_1 = /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*)$/;
/**
 * YAML 1.1 floats (yaml.org/type/float): `_` separators, base 60 (`1:30.5`), .inf, .nan. Plain
 * integers match too, for `!!float 1`; untagged they resolve as integers first.
 */
const FLOAT_1_1 = /^[-+]?(?:[0-9][0-9_]*(?::[0-5]?[0-9])*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

function toInteger(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.replace(/^[-+]/, '').replaceAll('_', '');
  if (digits.startsWith('0b')) return sign * Number.parseInt(digits.slice(2), 2);
  if (digits.startsWith('0x')) return sign * Number.parseInt(digits.slice(2), 16);
  if (digits.includes(':')) return sign * fromBase60(digits);
  if (/^0[0-7]+$/.test(digits)) return sign * Number.parseInt(digits, 8);
  return sign * Number.parseInt(digits, 10);
}

function toFloat(text: string): number {
  if (FLOAT_SPECIAL.test(text)) {
    const lower = text.toLowerCase();
    if (lower === '.nan') return Number.NaN;
    return lower.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  const digits = text.replaceAll('_', '');
  if (!digits.includes(':')) return Number.parseFloat(digits);
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * fromBase60(digits.replace(/^[-+]/, ''));
}

/** `1:30:15` is 1 * 3600 + 30 * 60 + 15; the last part may carry a fraction. */
function fromBase60(digits: string): number {
  return digits.split(':').reduce((total, part) => total * 60 + Number.parseFloat(part), 0);
}

const PYYAML_SCHEMA = DEFAULT_SCHEMA.extend({
  // Same tags as the defaults they replace, so each takes its predecessor's place in the order.
  implicit: [
    new Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (data: string) => PYYAML_TRUE.test(data) || PYYAML_FALSE.test(data),
      construct: (data: string) => PYYAML_TRUE.test(data),
    }),
    new Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (data: string) => INT_1_1.test(data) && Number.isFinite(toInteger(data)),
      construct: toInteger,
    }),
    new Type('tag:yaml.org,2002:float', {
      kind: 'scalar',
      resolve: (data: string) =>
        FLOAT_SPECIAL.test(data) || (FLOAT_1_1.test(data) && Number.isFinite(toFloat(data))),
      construct: toFloat,
    }),
  ],
});

/** Stops at the start of a second document, so the error can say where it is. */
function rejectSecondDocument(this: State, event: EventType, state: State): void {
  if (event !== 'open' || !('documents' in state)) return;
  if (Array.isArray(state.documents) && state.documents.length > 0) {
    throw new YAMLException(MULTIPLE_DOCUMENTS, {
      buffer: '',
      name: '',
      snippet: '',
      position: state.position,
      line: state.line,
      column: state.position - state.lineStart,
    });
  }
}

// maxTotalMergeKeys is missing from @types/js-yaml; js-yaml's default of 10,000 would reject a
// config of a few thousand services that each merge a shared `<<: *defaults`.
const LOAD_OPTIONS: LoadOptions & { readonly maxTotalMergeKeys: number } = {
  schema: PYYAML_SCHEMA,
  listener: rejectSecondDocument,
  maxTotalMergeKeys: MAX_ALIAS_EXPANSION_NODES,
};

/**
 * js-yaml reasons that quote the document (an alias, a tag) get fixed wording, since that text
 * may be part of a secret; a few others keep the wording credproxy has always used.
 */
const REASONS: readonly (readonly [RegExp, string])[] = [
  [/^unexpected end of the (?:stream|document) within a double quoted/, MISSING_DOUBLE],
  [/^unexpected end of the (?:stream|document) within a single quoted/, MISSING_SINGLE],
  [
    /^unexpected end of the (?:stream|document) within a flow collection$/,
    'a [ or { is never closed',
  ],
  [/^duplicated mapping key$/, 'duplicate key in a mapping'],
  [
    /^(?:unknown escape sequence|expected hexadecimal character)$/,
    'invalid escape sequence in a double-quoted string',
  ],
  [/^unidentified alias/, 'an alias (*name) refers to no anchor (&name) before it'],
  [/^unknown tag/, 'unknown tag'],
  [/^(?:unacceptable node kind for|cannot resolve a node with)/, 'a value does not fit its tag'],
  [/^(?:tag |undeclared tag handle|there is a previously declared suffix)/, 'invalid tag'],
  [/^nesting exceeded maxDepth/, 'nesting is deeper than 100 levels'],
  [/^merge keys exceeded maxTotalMergeKeys/, ALIASES_EXPAND_TOO_FAR],
];

function toReason(reason: string): string {
  for (const [pattern, fixed] of REASONS) if (pattern.test(reason)) return fixed;
  // A reason this table does not know (a newer js-yaml) may quote the document too.
  return /["<]|: /.test(reason) ? 'invalid YAML syntax' : reason;
}
