/** Tables of a run: per-cell records, per model × setting summaries, as CSV and Markdown (one column per swept path). */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { ModelRecord, ModelTiming, QueryRow, TraceRow } from '../experiments/cell.ts';
import { HISTOGRAM_MAX } from '../metrics/metastable.ts';
import { mean, median } from 'simple-statistics';
import { summarize, type Summary } from '../metrics/summary.ts';
import { bootstrapMeanInterval } from '../metrics/bootstrap.ts';
import { cellIdentity, compareCells, constantAxes, formatSweepValue, sweepAxes, type Located, type SweepValues } from '../experiments/cellIdentity.ts';

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
  'stepsUsed',
  'metastableShare',
  'supportMean',
  'convergedTarget',
  'convergedOther',
  'notConverged',
];

export interface SummaryRow extends Summary {
  /** The model's name, with its D_Φ when the config has a D_Φ grid (the CSV's model column). */
  model: string;
  /** The model's name as configured. */
  modelName: string;
  /** The model with every axis that varies (D_Φ, swept values): one line or table row each. */
  label: string;
  featureDim: number;
  M: number;
  /** The setting's swept values (configs with a sweep). */
  sweep?: SweepValues;
  /** Means over seeds of the per-cell rates. */
  exactRate: number;
  successRate: number;
  /** Median over seeds of the logit scale (largest − second-largest logit). */
  logitScale: number;
  /** Mean over seeds of the metastable share (‖p‖ > 1). */
  metastableShare: number;
  /** Mean over seeds of the shares of ‖p‖ = 0, 1, …, 10, > 10. */
  supportHistogram: number[];
}

/** One model against the baseline at one setting, on the seeds both have. */
export interface PairedRow {
  model: string;
  /** As SummaryRow.label. */
  label: string;
  baseline: string;
  M: number;
  sweep?: SweepValues;
  n: number;
  /** Mean over seeds of (model error − baseline error); negative = the model is better. */
  meanDiff: number;
  ciLow: number;
  ciHigh: number;
  /** Share of seeds where the model's error is below the baseline's. */
  winShare: number;
}

type Column = string | { key: string; header: string };

/**
 * CSV with the given columns, and after the column `after` one column per swept path (named by
 * the path, e.g. "retrieval.beta"); without a sweep the file is exactly as before sweeps existed.
 */
export function toCsv(rows: Array<object & { sweep?: SweepValues }>, columns: string[], after = 'seed'): string {
  const paths = sweepAxes(rows as Located[]).map((axis) => axis.path);
  const swept: Column[] = paths.map((path, i) => ({ key: `sweep${i}`, header: path }));
  const at = columns.indexOf(after) + 1;
  const all: Column[] = [...columns.slice(0, at), ...swept, ...columns.slice(at)];
  const flat = paths.length
    ? rows.map((row) => ({ ...row, ...Object.fromEntries(paths.map((path, i) => [`sweep${i}`, formatSweepValue(row.sweep?.[path] ?? '')])) }))
    : rows;
  return stringify(flat as Record<string, unknown>[], {
    header: true,
    columns: all,
    cast: { boolean: (value) => String(value), number: (value) => String(value) },
  });
}

export function cellsCsv(records: ModelRecord[]): string {
  return toCsv(records, cellColumns, 'featureDim');
}

/** A row of cells.csv read back: the record without the ‖p‖ histogram (that is in metastable.csv). */
export type CellsCsvRecord = Omit<ModelRecord, 'supportHistogram'>;

const textColumns = new Set<keyof ModelRecord>(['model', 'dataset', 'similarity', 'separation', 'backend', 'control']);
/** Columns written empty for models without a feature map. */
const nullableColumns = new Set<keyof ModelRecord>(['sepLossInit', 'sepLossFinal', 'wNormInit', 'wNormTrained']);

/**
 * The records of a cells.csv (as cellsCsv wrote them: numbers by String(), so they read back exactly);
 * `sweep`: the config's swept paths and values, whose columns become each record's swept values.
 */
export function recordsFromCellsCsv(text: string, source = 'cells.csv', sweep: Record<string, unknown[]> = {}): CellsCsvRecord[] {
  const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
  const sweptOf = (row: Record<string, string>): SweepValues | null => {
    const entries = Object.entries(sweep).map(([path, values]) => {
      const value = values.find((v) => formatSweepValue(v as SweepValues[string]) === row[path]);
      if (value === undefined) throw new Error(`${source}: ${path} = "${row[path]}" is none of the config's swept values`);
      return [path, value];
    });
    return entries.length ? (Object.fromEntries(entries) as SweepValues) : null;
  };
  const missing = rows.length ? cellColumns.filter((column) => !(column in rows[0])) : [];
  if (missing.length) throw new Error(`${source}: no column ${missing.join(', ')}`);
  return rows.map((row) => {
    const entries = cellColumns.map((column) => {
      const text = row[column];
      if (textColumns.has(column)) return [column, text];
      if (column === 'featureMap') return [column, text === 'true'];
      // empty: null in the U-Hop-only columns, else NaN (the cache's JSON stores NaN as null)
      if (text === '') return [column, nullableColumns.has(column) ? null : NaN];
      const value = Number(text);
      if (Number.isNaN(value) && text !== 'NaN') throw new Error(`${source}: ${column} = "${text}" is not a number`);
      return [column, value];
    });
    const swept = sweptOf(row);
    return { ...Object.fromEntries(entries), ...(swept ? { sweep: swept } : {}) } as CellsCsvRecord;
  });
}

export function timingsCsv(timings: ModelTiming[]): string {
  return toCsv(timings, ['model', 'featureDim', 'M', 'seed', 'stageIMs', 'retrievalMs']);
}

/** A model's label in tables: with " · D_Φ = D" when the records span several D_Φ. */
export function modelLabel(record: Pick<ModelRecord, 'model' | 'featureDim'>, records: ModelRecord[]): string {
  const dims = new Set(records.map((r) => r.featureDim));
  return dims.size > 1 ? `${record.model} · D_Φ = ${record.featureDim}` : record.model;
}

/** What a label reads of a record. */
type Labelled = Pick<ModelRecord, 'model' | 'M' | 'seed' | 'featureDim' | 'sweep'>;

/** The axes that vary over `records` (D_Φ, swept values; not those in `without`) in words, per record: ["D_Φ = 5", "retrieval.beta = 2"]. */
export function varyingAxes(records: Labelled[], without: string[] = []): (record: Labelled) => string[] {
  const constant = new Set([...constantAxes(records), ...without]);
  return (record) => {
    const parts: string[] = [];
    if (!constant.has('featureDim')) parts.push(`D_Φ = ${record.featureDim}`);
    for (const [path, value] of Object.entries(record.sweep ?? {})) if (!constant.has(path)) parts.push(`${path} = ${formatSweepValue(value)}`);
    return parts;
  };
}

/** Labels: the model with every axis that varies over `records`, except those in `without`. */
export function settingLabels(records: Labelled[], without: string[] = []): (record: Labelled) => string {
  const axes = varyingAxes(records, without);
  return (record) => [record.model, ...axes(record)].join(' · ');
}

/** Extra words for a bootstrap stream, so that settings with other swept values draw their own. */
const sweptStream = (record: ModelRecord) => (record.sweep ? `/${cellIdentity(record, { without: ['M', 'featureDim', 'seed'] })}` : '');

/** Records grouped by model and setting (every axis but the seed); models in first-seen (config) order, then the settings in grid order. */
function byModelAndSetting(records: ModelRecord[]): ModelRecord[][] {
  const groups = new Map<string, ModelRecord[]>();
  for (const record of records) {
    const key = `${record.model}\u0000${cellIdentity(record, { without: ['seed'] })}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const models = [...new Set(records.map((r) => r.model))];
  const bySetting = compareCells(sweepAxes(records));
  return [...groups.values()].sort((a, b) => models.indexOf(a[0].model) - models.indexOf(b[0].model) || bySetting(a[0], b[0]));
}

function meanHistogram(group: ModelRecord[]): number[] {
  return group[0].supportHistogram.map((_, k) => mean(group.map((r) => r.supportHistogram[k])));
}

/** Per model × M statistics of the error over seeds, with a 95 % bootstrap interval of the mean. */
export function summaryRows(records: ModelRecord[]): SummaryRow[] {
  const labelOf = settingLabels(records);
  return byModelAndSetting(records).map((group) => {
    const { model, M, featureDim, sweep } = group[0];
    return {
      model: modelLabel(group[0], records),
      modelName: model,
      label: labelOf(group[0]),
      featureDim,
      M,
      ...(sweep ? { sweep } : {}),
      ...summarize(group.map((r) => r.error), `summary/${model}/${featureDim}/${M}${sweptStream(group[0])}`),
      exactRate: mean(group.map((r) => r.exactRate)),
      successRate: mean(group.map((r) => r.successRate)),
      logitScale: median(group.map((r) => r.logitScale)),
      metastableShare: mean(group.map((r) => r.metastableShare)),
      supportHistogram: meanHistogram(group),
    };
  });
}

/** summary.csv's columns for the error statistics (SummaryRow keeps Summary's plain names). */
export const summaryErrorColumns = {
  errorMean: 'mean',
  errorStd: 'std',
  errorMedian: 'median',
  errorMin: 'min',
  errorMax: 'max',
  errorCiLow: 'ciLow',
  errorCiHigh: 'ciHigh',
} as const satisfies Record<string, keyof Summary>;

export function summaryCsv(rows: SummaryRow[]): string {
  const errorColumns = Object.entries(summaryErrorColumns) as Array<[keyof typeof summaryErrorColumns, keyof Summary]>;
  const named = rows.map((row) => ({ ...row, ...Object.fromEntries(errorColumns.map(([column, field]) => [column, row[field]])) }));
  return toCsv(named, ['model', 'featureDim', 'M', 'n', ...errorColumns.map(([column]) => column), 'exactRate', 'successRate', 'logitScale', 'metastableShare'], 'M');
}

/** Each model's error minus the baseline's on the same seeds (common random numbers), per M. */
export function pairedRows(records: ModelRecord[], baseline: string): PairedRow[] {
  const cellOf = (r: ModelRecord) => cellIdentity(r);
  const labelOf = settingLabels(records);
  const baselineError = new Map(records.filter((r) => r.model === baseline).map((r) => [cellOf(r), r.error]));
  return byModelAndSetting(records.filter((r) => r.model !== baseline)).flatMap((group) => {
    const { model, M, featureDim, sweep } = group[0];
    const diffs = group.filter((r) => baselineError.has(cellOf(r))).map((r) => r.error - baselineError.get(cellOf(r))!);
    if (diffs.length === 0) return [];
    const [ciLow, ciHigh] = bootstrapMeanInterval(diffs, `paired/${model}/${baseline}/${featureDim}/${M}${sweptStream(group[0])}`);
    return [
      {
        model: modelLabel(group[0], records),
        label: labelOf(group[0]),
        baseline,
        M,
        ...(sweep ? { sweep } : {}),
        n: diffs.length,
        meanDiff: mean(diffs),
        ciLow,
        ciHigh,
        winShare: diffs.filter((d) => d < 0).length / diffs.length,
      },
    ];
  });
}

/** Long format: one row per model × cell × ‖p‖ bucket. */
export function metastableCsv(records: ModelRecord[]): string {
  const rows = records.flatMap((r) =>
    r.supportHistogram.map((share, k) => ({
      model: r.model,
      featureDim: r.featureDim,
      M: r.M,
      seed: r.seed,
      ...(r.sweep ? { sweep: r.sweep } : {}),
      size: k > HISTOGRAM_MAX ? `>${HISTOGRAM_MAX}` : String(k),
      share,
    })),
  );
  return toCsv(rows, ['model', 'featureDim', 'M', 'seed', 'size', 'share']);
}

export function queriesCsv(rows: QueryRow[]): string {
  return toCsv(rows, ['model', 'featureDim', 'M', 'seed', 'query', 'queryIndex', 'targetIndex', 'endIndex', 'error', 'support']);
}

export function traceCsv(rows: TraceRow[]): string {
  return toCsv(rows, ['model', 'featureDim', 'M', 'seed', 'step', 'energy', 'change']);
}

/** The U-Hop+ metastable table: % of queries with ‖p‖ = k, mean over seeds, per model × M (× D_Φ). */
export function metastableMarkdown(rows: SummaryRow[]): string {
  const sizes = [...Array.from({ length: HISTOGRAM_MAX + 1 }, (_, k) => String(k)), `>${HISTOGRAM_MAX}`];
  const header = ['model', 'M', ...sizes.map((k) => (k.startsWith('>') ? `‖p‖ ${k.replace('>', '> ')}` : `‖p‖ = ${k}`))];
  const body = rows.map((r) => [r.label, String(r.M), ...r.supportHistogram.map((share) => (share * 100).toFixed(1))]);
  return [
    '# Metastable states',
    '',
    'Share (%) of queries whose final weights p have ‖p‖ = k entries above the threshold (0.01 for softmax, exact non-zeros for sparse maps); ‖p‖ = 1: converged to one memory, ‖p‖ > 1: a metastable mixture. Mean over seeds.',
    '',
    markdownTable(header, body),
    '',
  ].join('\n');
}

export function pairedCsv(rows: PairedRow[]): string {
  return toCsv(rows, ['model', 'baseline', 'M', 'n', 'meanDiff', 'ciLow', 'ciHigh', 'winShare'], 'M');
}

const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : String(value));

function markdownTable(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...body.map(line)].join('\n');
}

/** Rows = models (with the other varying axes), columns = M, cells from `cell` (blank where a model has no row at that M). */
function pivot<R extends { label: string; M: number }>(rows: R[], cell: (row: R) => string): { header: string[]; body: string[][] } {
  const labels = [...new Set(rows.map((r) => r.label))];
  const memoryCounts = [...new Set(rows.map((r) => r.M))].sort((a, b) => a - b);
  const body = labels.map((label) => [
    label,
    ...memoryCounts.map((M) => {
      const row = rows.find((r) => r.label === label && r.M === M);
      return row ? cell(row) : '';
    }),
  ]);
  return { header: ['model', ...memoryCounts.map((M) => `M = ${M}`)], body };
}

function pivotTable<R extends { label: string; M: number }>(rows: R[], cell: (row: R) => string): string {
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
    '## error: mean ± std [95 % bootstrap CI of the mean]',
    '',
    pivotTable(rows, (r) => `${fmt(r.mean)} ± ${fmt(r.std)} [${fmt(r.ciLow)}, ${fmt(r.ciHigh)}]`),
    '',
    '## error: median [min, max]',
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
