/** Plots as vega-lite specs (render.ts draws them). */
import type { TopLevelSpec } from 'vega-lite';
import type { SummaryRow } from './tables.ts';
import { dodgeFactors, legendToggle, seriesStyle, symlogAxis } from './style.ts';

/** The frame every uhop chart shares: schema, title, size, white background, inline data. */
export function chartFrame(title: string, values: object[]) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 480,
    height: 320,
    background: 'white',
    data: { values },
  };
}

const number = (field: string, title = field) => ({ field, type: 'quantitative' as const, title, format: '.4~g' });

/** A summary row as a chart series: its label (model and every varying axis), its model's name, its D_Φ. */
const seriesOf = (r: SummaryRow) => ({ model: r.label, name: r.modelName, featureDim: r.featureDim });

/** Error against M, mean ± std over seeds, one line per model; points nudged apart on the log axis. */
export function errorVsMemoriesSpec(rows: SummaryRow[], title: string): TopLevelSpec {
  const style = seriesStyle(rows.map(seriesOf));
  const factors = dodgeFactors(style.labels.length);
  const data = rows.map((r) => ({
    ...seriesOf(r),
    M: r.M,
    x: r.M * factors[style.labels.indexOf(r.label)],
    mean: r.mean,
    std: r.std,
    n: r.n,
    ciLow: r.ciLow,
    ciHigh: r.ciHigh,
    // ±1 std bars, cut at 0 (errors are non-negative); a single seed has no spread
    low: Number.isFinite(r.std) ? Math.max(0, r.mean - r.std) : r.mean,
    high: Number.isFinite(r.std) ? r.mean + r.std : r.mean,
  }));
  const memoryCounts = [...new Set(rows.map((r) => r.M))].sort((a, b) => a - b);
  const [smallest, largest] = [memoryCounts[0], memoryCounts[memoryCounts.length - 1]];
  const x = {
    field: 'x',
    type: 'quantitative' as const,
    // one M alone gets room around it (a log domain [M, M] is empty)
    scale: { type: 'log' as const, domain: [smallest / (smallest === largest ? 2 : factors[factors.length - 1] ** 2), largest * (smallest === largest ? 2 : factors[factors.length - 1] ** 2)], nice: false },
    axis: { values: memoryCounts, format: ',~r' },
    title: 'memories M (log scale; series nudged apart)',
  };
  // symlog: near-zero errors (U-Hop) and errors in the hundreds (poly-10) stay readable together
  const axis = symlogAxis(data.flatMap((d) => [d.mean, d.low, d.high]));
  const y = {
    type: 'quantitative' as const,
    scale: { type: 'symlog' as const, constant: axis.constant, domain: axis.domain, nice: false },
    axis: { values: axis.ticks, format: ',~r' },
    title: 'retrieval error, mean ± std over seeds (symlog)',
  };
  const tooltip = [{ field: 'model' }, ...(style.legendFields.includes('featureDim') ? [number('featureDim', 'D_Φ')] : []), number('M'), number('mean'), number('ciLow', '95 % CI low'), number('ciHigh', '95 % CI high'), number('std'), number('n', 'seeds')];
  const toggle = legendToggle(style.legendFields);
  return {
    ...chartFrame(title, data),
    layer: [
      { params: toggle.params, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { field: 'mean', ...y }, ...style.line, order: { field: 'M' }, opacity: toggle.opacity(1) } },
      { mark: { type: 'point', filled: false, strokeWidth: 1.8, size: 70 }, encoding: { x, y: { field: 'mean', ...y }, ...style.point, tooltip, opacity: toggle.opacity(1) } },
      // ±1 std as plain rules (errorbar's caps would fill the legend's open symbols)
      { mark: { type: 'rule' }, encoding: { x, y: { field: 'low', ...y }, y2: { field: 'high' }, color: style.point.color, detail: { field: 'model' }, opacity: toggle.opacity(0.6), tooltip } },
    ],
  } as TopLevelSpec;
}

/**
 * Error against logit scale, one line per model through its M values: a model that beats the
 * baseline only because its logits are larger (lower temperature) sits where a temperature-matched
 * baseline sits; one that separates memories better sits lower at the same scale.
 */
export function errorVsLogitScaleSpec(rows: SummaryRow[], title: string): TopLevelSpec {
  const kept = rows.filter((r) => r.logitScale > 0);
  const style = seriesStyle(kept.map(seriesOf));
  const factors = dodgeFactors(style.labels.length);
  const data = kept.map((r) => ({
    ...seriesOf(r),
    M: r.M,
    mean: r.mean,
    logitScale: r.logitScale,
    x: r.logitScale * factors[style.labels.indexOf(r.label)],
  }));
  const axis = symlogAxis(data.map((d) => d.mean));
  const x = { field: 'x', type: 'quantitative' as const, scale: { type: 'log' as const }, axis: { format: ',~r' }, title: 'logit scale: median (largest − second-largest logit), log; series nudged apart' };
  const y = {
    field: 'mean',
    type: 'quantitative' as const,
    scale: { type: 'symlog' as const, constant: axis.constant, domain: axis.domain, nice: false },
    axis: { values: axis.ticks, format: ',~r' },
    title: 'retrieval error, mean over seeds (symlog)',
  };
  const tooltip = [{ field: 'model' }, ...(style.legendFields.includes('featureDim') ? [number('featureDim', 'D_Φ')] : []), number('M'), number('logitScale', 'logit scale'), number('mean')];
  const toggle = legendToggle(style.legendFields);
  return {
    ...chartFrame(title, data),
    layer: [
      { params: toggle.params, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, ...style.line, detail: { field: 'model' }, order: { field: 'M' }, opacity: toggle.opacity(1) } },
      { mark: { type: 'point', filled: false, strokeWidth: 1.8, size: 70 }, encoding: { x, y, ...style.point, tooltip, opacity: toggle.opacity(1) } },
    ],
  } as TopLevelSpec;
}
