import type { FigureResult } from './figure.js';

const HEADERS = ['#', 'figure', 'measure', 'value', 'same-run baseline', 'goal', 'verdict'];

function toCells(figures: readonly FigureResult[]): string[][] {
  return figures.flatMap((figure) =>
    figure.rows.map((row, index) => [
      index === 0 ? String(figure.id) : '',
      index === 0 ? figure.title : '',
      row.measure,
      row.value,
      row.baseline,
      row.goal,
      row.verdict === 'info' ? '' : row.verdict,
    ]),
  );
}

/** The results as an aligned plain-text table for the terminal. */
export function toTextTable(figures: readonly FigureResult[]): string {
  const rows = [HEADERS, ...toCells(figures)];
  const widths = HEADERS.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(HEADERS), rule, ...rows.slice(1).map(line)].join('\n');
}

/** The same table in Markdown, for docs/benchmarks.md. */
export function toMarkdownTable(figures: readonly FigureResult[]): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  const line = (row: readonly string[]) => `| ${row.map(escapeCell).join(' | ')} |`;
  return [line(HEADERS), line(HEADERS.map(() => '---')), ...toCells(figures).map(line)].join('\n');
}

export function toSummaryLines(figures: readonly FigureResult[]): string[] {
  return figures.map((figure) => figure.summary);
}
