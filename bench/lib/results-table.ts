/** One line of the results table. */
export interface ResultRow {
  /** Scenario label, e.g. `2 throughput`. */
  scenario: string;
  /** What is measured. */
  metric: string;
  /** Our figure, formatted. */
  ours: string;
  /** The reference measured in the same run (or the ideal it is held against), formatted. */
  reference: string;
  /** ours / reference, formatted. */
  ratio: string;
  /** The target, formatted; `—` for figures shown for context. */
  target: string;
  /** `yes`, `NO`, or `—` when there is no target. */
  met: string;
}

const HEADERS: ResultRow = {
  scenario: 'scenario',
  metric: 'metric',
  ours: 'ours',
  reference: 'reference',
  ratio: 'ratio',
  target: 'target',
  met: 'met?',
};
const COLUMNS = Object.keys(HEADERS) as Array<keyof ResultRow>;

/** The rows as a Markdown table (also readable as plain text). */
export function formatTable(rows: readonly ResultRow[]): string {
  const widths = COLUMNS.map((column) =>
    Math.max(HEADERS[column].length, ...rows.map((row) => row[column].length)),
  );
  // A pipe inside a cell would split it in Markdown.
  const line = (row: ResultRow) =>
    `| ${COLUMNS.map((column, i) => row[column].replaceAll('|', '/').padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [line(HEADERS), rule, ...rows.map(line)].join('\n');
}

/** `n` with `digits` decimals and thousands separators. */
export function num(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `a / b` as `0.42×`. */
export function times(a: number, b: number): string {
  if (!(b > 0) || !Number.isFinite(a / b)) return 'n/a';
  const ratio = a / b;
  // Small ratios keep two significant digits (0.0042×) instead of rounding to 0.00×.
  return ratio >= 0.1 ? `${num(ratio, 2)}×` : `${ratio.toPrecision(2)}×`;
}

/** `a / b` as a percentage. */
export function percent(a: number, b: number): string {
  return b > 0 && Number.isFinite(a / b) ? `${num((100 * a) / b, 0)} %` : 'n/a';
}

/** `yes` / `NO`. */
export function met(ok: boolean): string {
  return ok ? 'yes' : 'NO';
}
