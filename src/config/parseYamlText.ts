import { parseDocument } from 'yaml';

export type YamlParseOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly line: number; readonly column: number; readonly reason: string };

/**
 * Parses YAML (or JSON, a subset) without ever echoing the source: the yaml library's messages
 * end with a code frame of the offending line, which may hold a secret, so only the reason
 * before " at line" is kept, with the line and column as numbers.
 *
 * YAML 1.1 as the original's PyYAML `safe_load` reads it, so existing configs keep their
 * meaning: `yes`/`no`/`on`/`off` are booleans and `<<` merge keys work. Duplicate keys are an
 * error (PyYAML silently kept the last one, which hides a mistyped service).
 */
export function parseYamlText(text: string): YamlParseOutcome {
  const document = parseDocument(text, {
    version: '1.1',
    merge: true,
    uniqueKeys: true,
    prettyErrors: true,
  });
  const [first] = document.errors;
  if (first !== undefined) {
    const position = first.linePos?.[0];
    return {
      ok: false,
      line: position?.line ?? 1,
      column: position?.col ?? 1,
      reason: toReason(first.message),
    };
  }
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch {
    // toJS throws only when aliases expand past the limit (a "billion laughs" document).
    return { ok: false, line: 1, column: 1, reason: 'aliases expand too many times' };
  }
}

const MAX_ALIAS_COUNT = 100;

function toReason(message: string): string {
  const cut = message.search(/ at line \d+, column \d+/);
  const reason = (cut === -1 ? message.split('\n')[0] : message.slice(0, cut)) ?? '';
  return reason.trim().replace(/\.$/, '');
}
