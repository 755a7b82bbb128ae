/**
 * A figure and a table per swept axis: the error (and the metastable share, when the run counts
 * metastable states) against the axis, one line per model with its 95 % bootstrap band over seeds,
 * one panel per setting of the other axes that vary (M, D_Φ, other swept paths).
 */
import { mean } from 'simple-statistics';
import type { TopLevelSpec } from 'vega-lite';
import type { ModelRecord } from '../experiments/records.ts';
import { axisRank, cellIdentity, constantAxes, describeCell, formatSweepValue, type SweepAxis, type SweepValue } from '../experiments/cellIdentity.ts';
import { bootstrapMeanInterval } from '../metrics/bootstrap.ts';

export type AxisMetric = 'error' | 'metastableShare';

const metricWords: Record<AxisMetric, { name: string; file: string }> = {
  error: { name: 'retrieval error', file: 'error' },
  metastableShare: { name: 'metastable share (‖p‖ > 1)', file: 'metastable' },
};

/** The figure's file name without extension, e.g. "error-vs-retrieval.beta". */
export const axisFigureName = (metric: AxisMetric, axis: SweepAxis) => `${metricWords[metric].file}-vs-${axis.path}`;

/** One model at one value of the axis, in one setting of the other axes: statistics over seeds. */
export interface AxisPoint {
  model: string;
  /** The other axes that vary, in words ("" when none does). */
  setting: string;
  value: SweepValue;
  n: number;
  mean: number;
  /** 95 % bootstrap interval of the mean (NaN for one seed). */
  ciLow: number;
  ciHigh: number;
}

/** Whether the run counts metastable states: some query of some cell ended in a mixture (‖p‖ > 1). */
export const countsMetastable = (records: ModelRecord[]) => records.some((r) => Number.isFinite(r.metastableShare) && r.metastableShare > 0);

const valueRank = (axis: SweepAxis, value: SweepValue) => axis.values.findIndex((v) => formatSweepValue(v) === formatSweepValue(value));

export function axisPoints(records: ModelRecord[], axis: SweepAxis, metric: AxisMetric): AxisPoint[] {
  const hidden = ['seed', axis.path, ...constantAxes(records)];
  const groups = new Map<string, ModelRecord[]>();
  for (const record of records.filter((r) => r.sweep && axisRank(axis, r) >= 0)) {
    const key = `${record.model}\u0000${cellIdentity(record, { without: ['seed'] })}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const models = [...new Set(records.map((r) => r.model))];
  const settings = [...new Set(records.map((r) => describeCell(r, { without: hidden })))];
  return [...groups.values()]
    .map((group) => {
      const first = group[0];
      const setting = describeCell(first, { without: hidden });
      const values = group.map((r) => r[metric]);
      const [ciLow, ciHigh] = bootstrapMeanInterval(values, `axis/${axis.path}/${metric}/${first.model}/${cellIdentity(first, { without: ['seed'] })}`);
      return { model: first.model, setting, value: first.sweep![axis.path], n: values.length, mean: mean(values), ciLow, ciHigh };
    })
    .sort(
      (a, b) =>
        models.indexOf(a.model) - models.indexOf(b.model) ||
        settings.indexOf(a.setting) - settings.indexOf(b.setting) ||
        valueRank(axis, a.value) - valueRank(axis, b.value),
    );
}

/** x: the axis (log scale where its positive values span more than 10×; categories in config order otherwise). */
function xEncoding(axis: SweepAxis) {
  const numbers = axis.values.every((v) => typeof v === 'number') ? (axis.values as number[]) : null;
  if (!numbers) return { field: 'x', type: 'ordinal' as const, sort: axis.values.map(formatSweepValue), title: axis.path };
  const [low, high] = [Math.min(...numbers), Math.max(...numbers)];
  const log = low > 0 && high / low > 10;
  return {
    field: 'x',
    type: 'quantitative' as const,
    scale: log ? { type: 'log' as const, domain: [low, high], nice: false } : { zero: false, domain: [low, high], nice: false },
    axis: { values: numbers },
    title: `${axis.path}${log ? ' (log scale)' : ''}`,
  };
}

export function axisSpec(points: AxisPoint[], axis: SweepAxis, metric: AxisMetric, title: string): TopLevelSpec {
  const numeric = axis.values.every((v) => typeof v === 'number');
  const values = points.map((p) => ({ ...p, x: numeric ? p.value : formatSweepValue(p.value) }));
  const x = xEncoding(axis);
  // as error-vs-M: symlog keeps near-zero and large errors readable together; shares are on [0, 1]
  const scale = metric === 'error' ? { type: 'symlog' as const, constant: 1 } : { domain: [0, 1] };
  const ticks = metric === 'error' ? { axis: { values: [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] } } : {};
  const yTitle = `${metric === 'error' ? 'error' : 'metastable share'}: mean, 95 % band${metric === 'error' ? ' (symlog)' : ''}`;
  // the legend shows each model's line, not its pale band
  const legend = { labelLimit: 400, symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2 };
  const color = { field: 'model', type: 'nominal' as const, title: 'model', sort: [...new Set(points.map((p) => p.model))], legend };
  const layer = [
    {
      mark: { type: 'area' as const, opacity: 0.2 },
      encoding: { x, y: { field: 'ciLow', type: 'quantitative' as const, scale, title: yTitle, ...ticks }, y2: { field: 'ciHigh' }, color },
    },
    { mark: { type: 'line' as const, point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative' as const, scale, title: yTitle, ...ticks }, color } },
  ];
  const settings = [...new Set(points.map((p) => p.setting))];
  const frame = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, background: 'white', data: { values } };
  if (settings.length <= 1) return { ...frame, width: 480, height: 320, layer } as TopLevelSpec;
  return {
    ...frame,
    facet: { field: 'setting', type: 'nominal', title: null, sort: settings },
    columns: Math.min(settings.length, 3),
    spec: { width: 300, height: 220, layer },
  } as TopLevelSpec;
}

const fmt = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));

/** Rows = models (× settings of the other axes), columns = the axis's values: mean [95 % CI]. */
export function axisMarkdown(points: AxisPoint[], axis: SweepAxis, metric: AxisMetric): string {
  const digits = metric === 'error' ? 2 : 3;
  const rows = [...new Set(points.map((p) => `${p.model}\u0000${p.setting}`))];
  const header = ['model', ...axis.values.map((v) => `${axis.path} = ${formatSweepValue(v)}`)];
  const body = rows.map((row) => {
    const [model, setting] = row.split('\u0000');
    const cells = axis.values.map((value) => {
      const point = points.find((p) => p.model === model && p.setting === setting && formatSweepValue(p.value) === formatSweepValue(value));
      return point ? `${fmt(point.mean, digits)} [${fmt(point.ciLow, digits)}, ${fmt(point.ciHigh, digits)}]` : '';
    });
    return [setting ? `${model} · ${setting}` : model, ...cells];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    `## ${metricWords[metric].name} vs ${axis.path}: mean [95 % bootstrap CI] over seeds`,
    '',
    line(header),
    line(header.map((_, i) => (i === 0 ? '---' : '---:'))),
    ...body.map(line),
    '',
  ].join('\n');
}
