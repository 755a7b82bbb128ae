/** Tables of a run: per-cell records, per model × M summaries, as CSV and Markdown. */
import { stringify } from 'csv-stringify/sync';
import type { ModelRecord, ModelTiming } from '../experiments/cell.ts';
import { mean, median } from 'simple-statistics';
import { summarize, type Summary } from '../metrics/summary.ts';
import { bootstrapMeanInterval } from '../metrics/bootstrap.ts';

export const cellColumns: Array<keyof ModelRecord> = [
  'model',
  'dataset',
  'M',
  'seed',
  'featureDim',
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
  'control',
  'beta',
  'logitScale',
  'wNormInit',
  'wNormTrained',
  'featureNormMean',
  'featureNormMax',
  'deltaMinInit',
  'meanCosInit',
  'meanCos',
  'deltaMinRaw',
  'endNearest',
  'endLabel',
  'distinctEnds',
];

export interface SummaryRow extends Summary {
  model: string;
  M: number;
  /** Means over seeds of the per-cell rates. */
  exactRate: number;
  successRate: number;
  /** Median over seeds of the logit scale (largest − second-largest logit). */
  logitScale: number;
}

/** One model against the baseline at one M, on the seeds both have. */
export interface PairedRow {
  model: string;
  baseline: string;
  M: number;
  n: number;
  /** Mean over seeds of (model error − baseline error); negative = the model is better. */
  meanDiff: number;
  ciLow: number;
  ciHigh: number;
  /** Share of seeds where the model's error is below the baseline's. */
  winShare: number;
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

/** Records grouped by model and M, models in first-seen (config) order, M ascending. */
function byModelAndMemories(records: ModelRecord[]): ModelRecord[][] {
  const groups = new Map<string, ModelRecord[]>();
  for (const record of records) {
    const key = `${record.model}\u0000${record.M}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const models = [...new Set(records.map((r) => r.model))];
  return [...groups.values()].sort((a, b) => models.indexOf(a[0].model) - models.indexOf(b[0].model) || a[0].M - b[0].M);
}

/** Per model × M statistics of the error over seeds, with a 95 % bootstrap interval of the mean. */
export function summaryRows(records: ModelRecord[]): SummaryRow[] {
  return byModelAndMemories(records).map((group) => {
    const { model, M } = group[0];
    return {
      model,
      M,
      ...summarize(group.map((r) => r.error), `summary/${model}/${M}`),
      exactRate: mean(group.map((r) => r.exactRate)),
      successRate: mean(group.map((r) => r.successRate)),
      logitScale: median(group.map((r) => r.logitScale)),
    };
  });
}

export function summaryCsv(rows: SummaryRow[]): string {
  return toCsv(rows, ['model', 'M', 'n', 'mean', 'std', 'median', 'min', 'max', 'ciLow', 'ciHigh', 'exactRate', 'successRate', 'logitScale']);
}

/** Each model's error minus the baseline's on the same seeds (common random numbers), per M. */
export function pairedRows(records: ModelRecord[], baseline: string): PairedRow[] {
  const baselineError = new Map(records.filter((r) => r.model === baseline).map((r) => [`${r.M}/${r.seed}`, r.error]));
  return byModelAndMemories(records.filter((r) => r.model !== baseline)).flatMap((group) => {
    const { model, M } = group[0];
    const diffs = group
      .filter((r) => baselineError.has(`${r.M}/${r.seed}`))
      .map((r) => r.error - baselineError.get(`${r.M}/${r.seed}`)!);
    if (diffs.length === 0) return [];
    const [ciLow, ciHigh] = bootstrapMeanInterval(diffs, `paired/${model}/${baseline}/${M}`);
    return [{ model, baseline, M, n: diffs.length, meanDiff: mean(diffs), ciLow, ciHigh, winShare: diffs.filter((d) => d < 0).length / diffs.length }];
  });
}

export function pairedCsv(rows: PairedRow[]): string {
  return toCsv(rows, ['model', 'baseline', 'M', 'n', 'meanDiff', 'ciLow', 'ciHigh', 'winShare']);
}

const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : String(value));

function markdownTable(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...body.map(line)].join('\n');
}

/** Rows = models, columns = M, cells from `cell` (blank where a model has no row at that M). */
function pivot<R extends { model: string; M: number }>(rows: R[], cell: (row: R) => string): { header: string[]; body: string[][] } {
  const models = [...new Set(rows.map((r) => r.model))];
  const memoryCounts = [...new Set(rows.map((r) => r.M))].sort((a, b) => a - b);
  const body = models.map((model) => [
    model,
    ...memoryCounts.map((M) => {
      const row = rows.find((r) => r.model === model && r.M === M);
      return row ? cell(row) : '';
    }),
  ]);
  return { header: ['model', ...memoryCounts.map((M) => `M = ${M}`)], body };
}

function pivotTable<R extends { model: string; M: number }>(rows: R[], cell: (row: R) => string): string {
  const { header, body } = pivot(rows, cell);
  return markdownTable(header, body);
}

/** Model × M tables: mean ± std [95 % CI], median [min, max] (heavy tails), exact rate, and the paired comparison. */
export function summaryMarkdown(rows: SummaryRow[], paired: PairedRow[], title: string): string {
  const n = rows.length ? Math.max(...rows.map((r) => r.n)) : 0;
  const sections = [
    `# ${title}`,
    '',
    `Retrieval error (sum over pixels of squared differences, mean over the M queries), over ${n} seed(s).`,
    '',
    '## mean ± std [95 % bootstrap CI of the mean]',
    '',
    pivotTable(rows, (r) => `${fmt(r.mean)} ± ${fmt(r.std)} [${fmt(r.ciLow)}, ${fmt(r.ciHigh)}]`),
    '',
    '## median [min, max]',
    '',
    pivotTable(rows, (r) => `${fmt(r.median)} [${fmt(r.min)}, ${fmt(r.max)}]`),
    '',
    '## exact retrieval rate (argmax p = target), mean',
    '',
    pivotTable(rows, (r) => fmt(r.exactRate, 3)),
    '',
  ];
  if (paired.length) {
    sections.push(
      `## error − ${paired[0].baseline} on the same seeds: mean [95 % CI], share of seeds won`,
      '',
      pivotTable(paired, (r) => `${fmt(r.meanDiff)} [${fmt(r.ciLow)}, ${fmt(r.ciHigh)}] ${Math.round(r.winShare * 100)} %`),
      '',
    );
  }
  return sections.join('\n');
}
