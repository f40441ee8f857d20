import type { Document, Tags } from 'yaml';
import { isMap, isScalar, LineCounter, parseDocument, visit } from 'yaml';

export type YamlParseOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly line: number; readonly column: number; readonly reason: string };

/** Aliases a document may expand: stops "billion laughs" documents. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses YAML (or JSON, a subset) without ever echoing the source: the yaml library's messages
 * end with a code frame of the offending line, which may hold a secret, so only the reason
 * before " at line" is kept (or fixed wording, see FIXED_REASONS), with the line and column.
 *
 * YAML 1.1 as the original's PyYAML `safe_load` reads it, so existing configs keep their
 * meaning: `yes`/`no`/`on`/`off` are booleans and `<<` merge keys work. Duplicate keys are an
 * error (PyYAML silently kept the last one, which hides a mistyped service).
 */
export function parseYamlText(text: string): YamlParseOutcome {
  const lineCounter = new LineCounter();
  // uniqueKeys compares every pair of keys in a map: O(n²) on a 10,000-service map, so
  // duplicates are found below with a Set instead.
  const document = parseDocument(text, {
    version: '1.1',
    merge: true,
    uniqueKeys: false,
    customTags: asPyYamlBooleans,
    lineCounter,
  });
  const [first] = document.errors;
  if (first !== undefined) {
    const position = first.linePos?.[0];
    return {
      ok: false,
      line: position?.line ?? 1,
      column: position?.col ?? 1,
      reason: toReason(first.code, first.message),
    };
  }
  const duplicate = findDuplicateKey(document);
  if (duplicate !== undefined) {
    const { line, col } = lineCounter.linePos(duplicate);
    return { ok: false, line, column: col, reason: 'duplicate key in a mapping' };
  }
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch {
    // toJS throws only when aliases expand past the limit.
    return { ok: false, line: 1, column: 1, reason: 'aliases expand too many times' };
  }
}

/** Source offset of the first key that repeats an earlier scalar key of the same mapping. */
function findDuplicateKey(document: Document): number | undefined {
  let offset: number | undefined;
  visit(document, {
    Map(_key, map) {
      if (!isMap(map)) return undefined;
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) {
          offset = pair.key.range?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(pair.key.value);
      }
      return undefined;
    },
  });
  return offset;
}

const BOOL_TAG = 'tag:yaml.org,2002:bool';
/** PyYAML's YAML 1.1 booleans: unlike the yaml library's, a bare `y` or `n` stays a string. */
const PYYAML_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PYYAML_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

function asPyYamlBooleans(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag !== 'object' || tag.tag !== BOOL_TAG || !('test' in tag) || !tag.test)
      return tag;
    return { ...tag, test: tag.test.test('yes') ? PYYAML_TRUE : PYYAML_FALSE };
  });
}

/**
 * Codes whose yaml messages quote document text (a block scalar header, an escape sequence,
 * an unexpected token): replaced by fixed wording, since that text may be part of a secret.
 */
const FIXED_REASONS: Readonly<Record<string, string>> = {
  UNEXPECTED_TOKEN: 'unexpected text here',
  BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string',
  BAD_SCALAR_START: 'a plain value cannot start with this character; quote the value',
};

function toReason(code: string, message: string): string {
  const fixed = FIXED_REASONS[code];
  if (fixed !== undefined) return fixed;
  const cut = message.search(/ at line \d+, column \d+/);
  const reason = (cut === -1 ? message.split('\n')[0] : message.slice(0, cut)) ?? '';
  return reason.trim().replace(/\.$/, '');
}
