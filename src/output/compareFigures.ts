/**
 * Figures of a comparison: one per shared axis (error vs M; error vs D_Φ, one panel per M, when the
 * runs span several D_Φ) with one line per (run, model) — colour and marker = model, dash = run — and
 * the paired differences against the reference run with their 95 % intervals.
 */
import type { TopLevelSpec } from 'vega-lite';
import { chartFrame } from './plot.ts';
import { dodgeFactors, legendToggle, seriesEncodings, symlogAxis } from './style.ts';
import type { ComparePairedRow, CompareRow } from './compareTables.ts';

const number = (field: string, title = field) => ({ field, type: 'quantitative' as const, title, format: '.4~g' });
const unique = <T>(values: T[]) => [...new Set(values)];

/** Colour + marker per model, dash per run, nudges per (run, model) series along a log x. */
function encodings(rows: Array<{ run: string; model: string }>, runs: string[]) {
  const models = unique(rows.map((r) => r.model));
  const byModel = seriesEncodings('model', models, 'model', ['color', 'shape']);
  const byRun = seriesEncodings('run', runs, 'run', ['strokeDash']);
  const series = unique(rows.map((r) => `${r.run}\u0000${r.model}`));
  const factors = dodgeFactors(series.length);
  const nudge = (r: { run: string; model: string }) => factors[series.indexOf(`${r.run}\u0000${r.model}`)];
  return { color: byModel.color, shape: byModel.shape, strokeDash: byRun.strokeDash, nudge, widest: factors[factors.length - 1] ?? 1, toggle: legendToggle(['model', 'run']) };
}

function logAxisDomain(values: number[], widest: number): [number, number] {
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return low === high ? [low / 2, high * 2] : [low / widest ** 2, high * widest ** 2];
}

function lineLayers(x: object, y: object, style: ReturnType<typeof encodings>, tooltip: object[], bars?: { low: string; high: string }) {
  const layers: object[] = [
    { params: style.toggle.params, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color: style.color, strokeDash: style.strokeDash, detail: [{ field: 'run' }, { field: 'model' }], opacity: style.toggle.opacity(1) } },
    { mark: { type: 'point', filled: false, strokeWidth: 1.8, size: 70 }, encoding: { x, y, color: style.color, shape: style.shape, tooltip, opacity: style.toggle.opacity(1) } },
  ];
  if (bars) {
    const field = (y as { field: string; type: string; scale?: object });
    layers.push({ mark: { type: 'rule' }, encoding: { x, y: { ...field, field: bars.low }, y2: { field: bars.high }, color: style.color, detail: [{ field: 'run' }, { field: 'model' }], opacity: style.toggle.opacity(0.6), tooltip } });
  }
  return layers;
}

export function compareErrorVsMemoriesSpec(rows: CompareRow[], runs: string[], title: string): TopLevelSpec {
  const style = encodings(rows, runs);
  const data = rows.map((r) => ({ ...r, x: r.M * style.nudge(r), low: Number.isFinite(r.std) ? Math.max(0, r.mean - r.std) : r.mean, high: Number.isFinite(r.std) ? r.mean + r.std : r.mean }));
  const memoryCounts = unique(rows.map((r) => r.M)).sort((a, b) => a - b);
  const x = { field: 'x', type: 'quantitative' as const, scale: { type: 'log' as const, domain: logAxisDomain(memoryCounts, style.widest), nice: false }, axis: { values: memoryCounts, format: ',~r' }, title: 'memories M (log scale; series nudged apart)' };
  const axis = symlogAxis(data.flatMap((d) => [d.mean, d.low, d.high]));
  const y = { field: 'mean', type: 'quantitative' as const, scale: { type: 'symlog' as const, constant: axis.constant, domain: axis.domain, nice: false }, axis: { values: axis.ticks, format: ',~r' }, title: 'retrieval error, mean ± std over seeds (symlog)' };
  const tooltip = [{ field: 'run' }, { field: 'model' }, number('M'), number('mean'), number('ciLow', '95 % CI low'), number('ciHigh', '95 % CI high'), number('std'), number('n', 'seeds')];
  return { ...chartFrame(title, data), layer: lineLayers(x, y, style, tooltip, { low: 'low', high: 'high' }) } as TopLevelSpec;
}

/** Error against D_Φ (log₂), one panel per M; series are the runs' models without their D_Φ. */
export function compareErrorVsFeatureDimSpec(rows: CompareRow[], runs: string[], title: string): TopLevelSpec {
  const byName = rows.map((r) => ({ ...r, model: r.name }));
  const style = encodings(byName, runs);
  const data = byName.map((r) => ({ ...r, x: r.featureDim * style.nudge(r) }));
  const featureDims = unique(rows.map((r) => r.featureDim)).sort((a, b) => a - b);
  const x = { field: 'x', type: 'quantitative' as const, scale: { type: 'log' as const, base: 2, domain: logAxisDomain(featureDims, style.widest), nice: false }, axis: { values: featureDims, format: ',~r' }, title: 'D_Φ (log scale; series nudged apart)' };
  const axis = symlogAxis(data.map((d) => d.mean));
  const y = { field: 'mean', type: 'quantitative' as const, scale: { type: 'symlog' as const, constant: axis.constant, domain: axis.domain, nice: false }, axis: { values: axis.ticks, format: ',~r' }, title: 'retrieval error, mean over seeds (symlog)' };
  const tooltip = [{ field: 'run' }, { field: 'model' }, number('featureDim', 'D_Φ'), number('M'), number('mean'), number('ciLow', '95 % CI low'), number('ciHigh', '95 % CI high'), number('n', 'seeds')];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    data: { values: data },
    facet: { field: 'M', type: 'ordinal', title: 'memories M', header: { labelFontSize: 12 } },
    columns: 3,
    spec: { width: 260, height: 200, layer: lineLayers(x, y, style, tooltip) },
  } as TopLevelSpec;
}

/** The run's error minus the reference's on the same memory sets and seeds: mean and 95 % bootstrap interval, against M. */
export function comparePairedSpec(rows: ComparePairedRow[], runs: string[], title: string): TopLevelSpec {
  // the reference has no line of its own here
  const style = encodings(rows, runs.filter((run) => rows.some((r) => r.run === run)));
  const data = rows.map((r) => ({ ...r, x: r.M * style.nudge(r), low: Number.isFinite(r.ciLow) ? r.ciLow : r.meanDiff, high: Number.isFinite(r.ciHigh) ? r.ciHigh : r.meanDiff }));
  const memoryCounts = unique(rows.map((r) => r.M)).sort((a, b) => a - b);
  const x = { field: 'x', type: 'quantitative' as const, scale: { type: 'log' as const, domain: logAxisDomain(memoryCounts, style.widest), nice: false }, axis: { values: memoryCounts, format: ',~r' }, title: 'memories M (log scale; series nudged apart)' };
  const y = { field: 'meanDiff', type: 'quantitative' as const, title: `error − ${rows[0]?.reference ?? 'reference'}'s: mean, 95 % CI` };
  const tooltip = [{ field: 'run' }, { field: 'reference' }, { field: 'model' }, number('M'), number('meanDiff', 'mean difference'), number('ciLow', '95 % CI low'), number('ciHigh', '95 % CI high'), number('winShare', 'share of seeds lower'), number('n', 'seeds')];
  return {
    ...chartFrame(title, data),
    layer: [{ mark: { type: 'rule', color: '#888', strokeDash: [2, 2] }, data: { values: [{ zero: 0 }] }, encoding: { y: { field: 'zero', type: 'quantitative' } } }, ...lineLayers(x, y, style, tooltip, { low: 'low', high: 'high' })],
  } as TopLevelSpec;
}
