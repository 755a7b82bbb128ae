/** Tables of a run: per-cell records, per model × M summaries, as CSV and Markdown. */
import { stringify } from 'csv-stringify/sync';
import type { ModelRecord, ModelTiming } from '../experiments/cell.ts';
import { summarize, type Summary } from '../metrics/summary.ts';

export const cellColumns: Array<keyof ModelRecord> = [
  'model',
  'dataset',
  'M',
  'seed',
  'error',
  'mse',
  'exactRate',
  'successRate',
  'deltaMin',
  'sepLossInit',
  'sepLossFinal',
  'similarity',
  'separation',
  'featureMap',
  'backend',
];

export interface SummaryRow extends Summary {
  model: string;
  M: number;
  /** Means over seeds of the per-cell rates. */
  exactRate: number;
  successRate: number;
}

function toCsv(rows: object[], columns: string[]): string {
  return stringify(rows as Record<string, unknown>[], {
    header: true,
    columns,
    cast: { boolean: (value) => String(value), number: (value) => String(value) },
  });
}

export function cellsCsv(records: ModelRecord[]): string {
  return toCsv(records, cellColumns);
}

export function timingsCsv(timings: ModelTiming[]): string {
  return toCsv(timings, ['model', 'M', 'seed', 'stageIMs', 'retrievalMs']);
}

/** Per model × M statistics of the error over seeds, models in config order, M ascending. */
export function summaryRows(records: ModelRecord[]): SummaryRow[] {
  const groups = new Map<string, ModelRecord[]>();
  for (const record of records) {
    const key = `${record.model}\u0000${record.M}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const models = [...new Set(records.map((r) => r.model))];
  const rows = [...groups.values()].map((group) => ({
    model: group[0].model,
    M: group[0].M,
    ...summarize(group.map((r) => r.error)),
    exactRate: summarize(group.map((r) => r.exactRate)).mean,
    successRate: summarize(group.map((r) => r.successRate)).mean,
  }));
  return rows.sort((a, b) => models.indexOf(a.model) - models.indexOf(b.model) || a.M - b.M);
}

export function summaryCsv(rows: SummaryRow[]): string {
  return toCsv(rows, ['model', 'M', 'n', 'mean', 'std', 'median', 'min', 'max', 'exactRate', 'successRate']);
}

const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : String(value));

function markdownTable(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...body.map(line)].join('\n');
}

/** Model × M pivot tables: mean ± std, and median [min, max] (errors are heavy-tailed over seeds). */
export function summaryMarkdown(rows: SummaryRow[], title: string): string {
  const models = [...new Set(rows.map((r) => r.model))];
  const memoryCounts = [...new Set(rows.map((r) => r.M))].sort((a, b) => a - b);
  const pivot = (cell: (row: SummaryRow) => string) =>
    models.map((model) => [
      model,
      ...memoryCounts.map((M) => {
        const row = rows.find((r) => r.model === model && r.M === M);
        return row ? cell(row) : '';
      }),
    ]);
  const header = ['model', ...memoryCounts.map((M) => `M = ${M}`)];
  const n = rows.length ? rows[0].n : 0;
  return [
    `# ${title}`,
    '',
    `Retrieval error (sum over pixels of squared differences, mean over the M queries), over ${n} seed(s).`,
    '',
    '## mean ± std',
    '',
    markdownTable(header, pivot((r) => `${fmt(r.mean)} ± ${fmt(r.std)}`)),
    '',
    '## median [min, max]',
    '',
    markdownTable(header, pivot((r) => `${fmt(r.median)} [${fmt(r.min)}, ${fmt(r.max)}]`)),
    '',
    '## exact retrieval rate (argmax p = target), mean',
    '',
    markdownTable(header, pivot((r) => fmt(r.exactRate, 3))),
    '',
  ].join('\n');
}
