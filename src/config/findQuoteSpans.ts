/** A quoted scalar as a quick scan of the text sees it; lines and columns count from 1. */
export interface QuoteSpan {
  readonly line: number;
  readonly column: number;
  /** Line of the closing quote; undefined when the text ends first. */
  readonly endLine: number | undefined;
}

/**
 * Finds quoted scalars that do not close on their own line: js-yaml reports an unclosed quote
 * where the text (or the next quote) ends, often many lines later, so the message points the
 * user at the opening quote instead. A scan, not a parser: a quote opens only where a value
 * may start (line start, after `: `, `- `, `[`, `{` or `,`), comments are skipped, and `\"`
 * and `''` escapes are honoured. It is only used to explain an error js-yaml already found.
 */
export function findQuoteSpans(text: string): QuoteSpan[] {
  const spans: QuoteSpan[] = [];
  let line = 1;
  let lineStart = 0;
  let open: { quote: string; line: number; column: number } | undefined;
  let valueMayStart = true;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\n') {
      line += 1;
      lineStart = i + 1;
      valueMayStart = true;
      continue;
    }
    if (open !== undefined) {
      if (open.quote === '"' && char === '\\') i += 1;
      else if (open.quote === "'" && char === "'" && text[i + 1] === "'") i += 1;
      else if (char === open.quote) {
        if (line !== open.line) spans.push({ line: open.line, column: open.column, endLine: line });
        open = undefined;
        valueMayStart = false;
      }
      continue;
    }
    if (char === '#' && (i === lineStart || /\s/.test(text[i - 1] ?? ''))) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end - 1;
      continue;
    }
    if ((char === '"' || char === "'") && valueMayStart) {
      open = { quote: char, line, column: i - lineStart + 1 };
      continue;
    }
    if (char === ' ' || char === '\t') continue;
    const next = text[i + 1];
    valueMayStart =
      char === '[' ||
      char === '{' ||
      char === ',' ||
      ((char === ':' || char === '-' || char === '?') &&
        (next === undefined || next === ' ' || next === '\t' || next === '\n'));
  }
  if (open !== undefined) spans.push({ line: open.line, column: open.column, endLine: undefined });
  return spans;
}
