/** Stage I loss curves: stage1.csv (one row per cell and epoch) and the loss-vs-epoch figure. */
import { stringify } from 'csv-stringify/sync';
import type { TopLevelSpec } from 'vega-lite';
import type { ResolvedConfig } from '../config/parity.ts';
import type { CachedCell, StageOneRow } from '../experiments/records.ts';
import { chartFrame } from './plot.ts';

export const stageOneColumns = ['models', 'M', 'seed', 'featureDim', 'epoch', 'loss', 'batchLoss', 'deltaMin'] as const;

/** The models that use the cell's Φ (every U-Hop model of a cell shares it). */
function learnedModels(config: ResolvedConfig): string {
  return config.models
    .filter((m) => m.featureMap)
    .map((m) => m.name)
    .join('; ');
}

export function stageOneRows(cells: CachedCell[]): StageOneRow[] {
  return cells.flatMap((cell) => cell.stageOne ?? []);
}

/** stage1.csv; unmeasured values are empty. */
export function stageOneCsv(rows: StageOneRow[], config: ResolvedConfig): string {
  const models = learnedModels(config);
  const cast = (value: number | null) => (value === null ? '' : String(value));
  const records = rows.map((r) => ({ models, M: r.M, seed: r.seed, featureDim: r.featureDim, epoch: r.epoch, loss: cast(r.loss), batchLoss: cast(r.batchLoss), deltaMin: cast(r.deltaMin) }));
  return stringify(records, { header: true, columns: [...stageOneColumns] });
}

/** The loss a curve shows at each epoch: the minibatch average where there is one, else the whole-set loss. */
export function curveLoss(row: StageOneRow): number | null {
  return row.batchLoss ?? row.loss;
}

export interface CurvePoint {
  /** "M = 100", "D_Φ = 3" or "M = 100, D_Φ = 3": whatever varies between the cells. */
  curve: string;
  M: number;
  featureDim: number;
  epoch: number;
  mean: number;
  low: number;
  high: number;
  seeds: number;
}

/** Per (M, D_Φ, epoch): mean, min and max over seeds of the curve's loss. */
export function curvePoints(rows: StageOneRow[]): CurvePoint[] {
  const memoryCounts = new Set(rows.map((r) => r.M));
  const dims = new Set(rows.map((r) => r.featureDim));
  const name = (r: StageOneRow) =>
    [memoryCounts.size > 1 || dims.size === 1 ? `M = ${r.M}` : '', dims.size > 1 ? `D_Φ = ${r.featureDim}` : ''].filter(Boolean).join(', ');
  const groups = new Map<string, { row: StageOneRow; values: number[] }>();
  for (const row of rows) {
    const value = curveLoss(row);
    if (value === null || !Number.isFinite(value)) continue;
    const key = `${row.M}/${row.featureDim}/${row.epoch}`;
    const group = groups.get(key) ?? { row, values: [] };
    group.values.push(value);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ row, values }) => ({
      curve: name(row),
      M: row.M,
      featureDim: row.featureDim,
      epoch: row.epoch,
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      low: Math.min(...values),
      high: Math.max(...values),
      seeds: values.length,
    }))
    .sort((a, b) => a.M - b.M || a.featureDim - b.featureDim || a.epoch - b.epoch);
}

/** Loss vs epoch, one line per M (or D_Φ): mean over seeds, band = min–max over seeds (the title should say so). */
export function stageOneLossSpec(rows: StageOneRow[], title: string): TopLevelSpec {
  const points = curvePoints(rows);
  const batched = rows.some((r) => r.batchLoss !== null);
  const curves = [...new Set(points.map((p) => p.curve))];
  const color = { field: 'curve', type: 'nominal' as const, title: '', sort: curves, legend: { labelLimit: 400 } };
  const x = { field: 'epoch', type: 'quantitative' as const, title: 'Stage I epoch' };
  const y = batched ? 'separation loss, minibatch mean' : 'separation loss';
  return {
    ...chartFrame(title, points),
    layer: [
      {
        mark: { type: 'area', opacity: 0.2 },
        encoding: { x, y: { field: 'low', type: 'quantitative', scale: { zero: false }, title: y }, y2: { field: 'high' }, color },
      },
      { mark: { type: 'line' }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color } },
    ],
  };
}
