/** Writes the tables, plots and report of a results folder from its cells, every file atomically. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { ResolvedConfig } from '../config/parity.ts';
import type { CachedCell, FailedCell, ModelRecord, StageOneRow } from '../experiments/records.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { removeStaleTemporaries } from '../io/staleTemporaries.ts';
import { type SummaryRow, cellsCsv, toCsv, queriesCsv, metastableCsv, metastableMarkdown, pairedCsv, pairedRows, summaryCsv, summaryMarkdown, summaryRows, timingsCsv, traceCsv } from './tables.ts';
import { errorVsLogitScaleSpec, errorVsMemoriesSpec } from './plot.ts';
import type { FigureRenderer } from './render.ts';
import { figureCaption, reportHtml, reportMarkdown } from './report.ts';
import type { TopLevelSpec } from 'vega-lite';
import { separationBoundsSpec, separationRows } from './geometry.ts';
import { phaseCells, phaseFits, phaseHeatmapSpec, phaseMarkdown } from './phase.ts';
import type { Manifest } from './manifest.ts';
import { stageOneCsv, stageOneLossSpec, stageOneRows } from './stageOne.ts';

/** The files of a run with a trained Φ (a model with featureMap: true), besides resultFiles. */
export const stageOneFiles = ['stage1.csv', 'stage1-loss.svg', 'stage1-loss.png'] as const;
import { axisFigureName, axisMarkdown, axisPoints, axisSpec, countsMetastable, type AxisMetric, type AxisPoint } from './axisFigures.ts';
import { formatSweepValue, sweepAxes, type SweepAxis } from '../experiments/cellIdentity.ts';

/** The files `uhop run` and `uhop report` write (failed.csv only when a cell failed). */
export const resultFiles = [
  'cells.csv',
  'timings.csv',
  'summary.csv',
  'summary.md',
  'paired.csv',
  'metastable.csv',
  'metastable.md',
  'trace.csv',
  'error-vs-M.svg',
  'error-vs-M.png',
  'error-vs-logit-scale.svg',
  'error-vs-logit-scale.png',
  'report.md',
  'report.html',
  'config.resolved.json',
  'manifest.json',
] as const;

/**
 * `render` draws the figures: here by default, or on a figure thread (figureThread.ts). They are
 * all sent before the tables are made, so another thread draws them meanwhile.
 */
export async function writeResults(
  directory: string,
  config: ResolvedConfig,
  cells: CachedCell[],
  failed: FailedCell[],
  manifest: Manifest,
  render: FigureRenderer = renderHere,
): Promise<string[]> {
  const records = cells.flatMap((cell) => cell.records);
  // Stage I's figure needs only the cells: it is sent first, and drawn while the summaries are computed
  const curves = records.length ? stageOneRows(cells) : [];
  const stageOne = curves.length ? stageOneLossSpec(curves, `${config.name}: Stage I loss vs epoch (mean over seeds, band: min–max)`) : null;
  const stageOneDrawn = stageOne ? render(stageOne) : null;
  stageOneDrawn?.catch(() => {}); // awaited with the others below
  const rows = summaryRows(records);
  const paired = pairedRows(records, config.baseline ?? config.models[0].name);
  const title = `${config.name}: retrieval error vs M (${config.dataset.name}, parity ${config.parity})`;
  // one table and figure per swept axis: the error, and the metastable share when the run counts it
  const axes = sweepAxes(records);
  const metrics: AxisMetric[] = countsMetastable(records) ? ['error', 'metastableShare'] : ['error'];
  const axisViews = axes.flatMap((axis) => metrics.map((metric) => ({ axis, metric, points: axisPoints(records, axis, metric) })));
  // the figures' specs (and the tables that come with some of them) first, and their drawing started
  const { plots, plotTables } = rows.length ? plotsOf(config, records, rows, axisViews, title, { curves, spec: stageOne }) : { plots: {}, plotTables: {} };
  const drawing = Promise.all(Object.entries(plots).map(([name, spec]) => ((spec === stageOne && stageOneDrawn) || render(spec)).then((figure) => [name, figure] as const)));
  drawing.catch(() => {}); // awaited below: a figure that fails while the tables are made is reported there
  const summary = [summaryMarkdown(rows, paired, title), ...axisViews.map((view) => axisMarkdown(view.points, view.axis, view.metric))].join('\n');
  const metastable = metastableMarkdown(rows);
  const files: Record<string, string | Uint8Array> = {
    'cells.csv': cellsCsv(records),
    'timings.csv': timingsCsv(cells.flatMap((cell) => cell.timings)),
    'summary.csv': summaryCsv(rows),
    'summary.md': summary,
    'paired.csv': pairedCsv(paired),
    'metastable.csv': metastableCsv(records),
    'metastable.md': metastable,
    'trace.csv': traceCsv(cells.flatMap((cell) => cell.trace)),
    'report.md': '',
    'config.resolved.json': `${JSON.stringify(config, null, 2)}\n`,
    'manifest.json': `${JSON.stringify(manifest, null, 2)}\n`,
    ...Object.fromEntries(Object.entries(plotTables).map(([name, table]) => [name, table()])),
  };
  // each figure's two files in the order of the plots (the report lists them so), filled once drawn
  for (const name of Object.keys(plots)) Object.assign(files, { [`${name}.svg`]: '', [`${name}.png`]: new Uint8Array(0) });
  for (const [name, { svg, png }] of await drawing) Object.assign(files, { [`${name}.svg`]: svg, [`${name}.png`]: png });
  if (config.metrics.perQuery) files['queries.csv'] = queriesCsv(cells.flatMap((cell) => cell.queries ?? []));
  if (failed.length) {
    const paths = sweepAxes(failed).map((axis) => axis.path);
    const failedRows = failed.map((cell) => ({ ...cell, ...Object.fromEntries(paths.map((path, i) => [`sweep${i}`, formatSweepValue(cell.sweep?.[path] ?? '')])) }));
    const swept = paths.map((path, i) => ({ key: `sweep${i}`, header: path }));
    files['failed.csv'] = stringify(failedRows, { header: true, columns: ['memories', 'featureDim', 'seed', ...swept, 'key', 'error', 'failedAt'] });
  }
  const figures = Object.keys(files).filter((name) => name.endsWith('.png'));
  const extra = [metastable, typeof files['phase.md'] === 'string' ? files['phase.md'] : ''].map((md) => md.replace(/^# /, '## '));
  files['report.md'] = reportMarkdown(config, manifest, [summary, ...extra].join('\n'), failed, figures);
  removeStaleTemporaries(directory);
  // every spec drawn above, interactive: figures added to `plots` appear in report.html by themselves
  const pageFigures = Object.entries(plots).map(([name, spec]) => ({ name, spec, caption: figureCaption(`${name}.png`) }));
  files['report.html'] = reportHtml(`uhop: ${config.name}`, files['report.md'] as string, pageFigures);
  for (const [name, data] of Object.entries(files)) writeFileAtomic(join(directory, name), data);
  // a failed.csv of an earlier run goes once no cell has failed
  if (!failed.length) rmSync(join(directory, 'failed.csv'), { force: true });
  return Object.keys(files).map((name) => join(directory, name));
}

/** Draws in this thread (render.ts loads vega and resvg on the first figure). */
const renderHere: FigureRenderer = async (spec) => (await import('./render.ts')).renderFigure(spec);

/**
 * The run's figures as vega-lite specs, with the tables that belong to some of them (in file order;
 * made when called, after the figures are sent). `stageOne`: the Stage I curves and their figure.
 */
function plotsOf(
  config: ResolvedConfig,
  records: ModelRecord[],
  rows: SummaryRow[],
  axisViews: Array<{ axis: SweepAxis; metric: AxisMetric; points: AxisPoint[] }>,
  title: string,
  stageOne: { curves: StageOneRow[]; spec: TopLevelSpec | null },
): { plots: Record<string, TopLevelSpec>; plotTables: Record<string, () => string> } {
  const plots: Record<string, TopLevelSpec> = {};
  const plotTables: Record<string, () => string> = {};
  if (config.figures.includes('error-vs-M')) plots['error-vs-M'] = errorVsMemoriesSpec(rows, title);
  if (config.figures.includes('error-vs-logit-scale')) {
    plots['error-vs-logit-scale'] = errorVsLogitScaleSpec(rows, `${config.name}: error against logit scale (points: M)`);
  }
  if (config.figures.includes('separation-bounds')) {
    const separation = separationRows(records);
    plotTables['separation-bounds.csv'] = () => toCsv(separation, ['M', 'featureDim', 'lower', 'optimum', 'upper', 'reached', 'start'], 'featureDim');
    plots['separation-bounds'] = separationBoundsSpec(separation, `${config.name}: minimal separation Δ_min vs M`);
  }
  if (config.figures.includes('phase-diagram')) {
    const cellsOfPhase = phaseCells(records);
    const fits = phaseFits(cellsOfPhase, config.metrics.phaseTarget);
    plotTables['phase.md'] = () => phaseMarkdown(fits, config.metrics.phaseTarget);
    plotTables['phase.csv'] = () => toCsv(cellsOfPhase, ['model', 'M', 'featureDim', 'success', 'metastable'], 'featureDim');
    plots['phase-success'] = phaseHeatmapSpec(cellsOfPhase, fits, 'success', `${config.name}: success rate over D_Φ × M`);
    plots['phase-metastable'] = phaseHeatmapSpec(cellsOfPhase, fits, 'metastable', `${config.name}: metastable share over D_Φ × M`);
  }
  // every run with a trained Φ: its Stage I curves
  if (stageOne.spec) {
    plotTables['stage1.csv'] = () => stageOneCsv(stageOne.curves, config);
    plots['stage1-loss'] = stageOne.spec;
  }
  for (const { axis, metric, points } of axisViews) {
    const what = metric === 'error' ? 'retrieval error' : 'metastable share';
    plots[axisFigureName(metric, axis)] = axisSpec(points, axis, metric, `${config.name}: ${what} vs ${axis.path} (${config.dataset.name})`);
  }
  return { plots, plotTables };
}
