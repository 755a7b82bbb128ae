/** Cost model of a sweep for `--dry-run`: FLOPs per cell and a time from the last `npm run bench`. */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { ResolvedConfig } from '../config/parity.ts';
import type { CellKey } from '../experiments/cell.ts';
import { cellConfig } from '../config/sweep.ts';
import { fusedMaxLossApplies } from '../featuremap/train.ts';

export interface CellCost {
  stageIFlops: number;
  /** Stage I runs on the float64 max-loss SGD path (timed by its own bench op). */
  stageIFloat64: boolean;
  retrievalFlops: number;
}

/** FLOPs of Stage I on the float64 path: X W₀ᵀ and Xᵀ C (2nd·D each), X Xᵀ and F₀ F₀ᵀ (symmetric, ≈ n²d and n²D), ~10n² per step. */
export function stageIFloat64Flops(n: number, dim: number, featureDim: number, epochs: number): number {
  return 4 * n * dim * featureDim + n * n * (dim + featureDim) + epochs * 10 * n * n;
}

/** FLOPs of the dominant products (elementwise work ignored, l1 counted as 3 ops per term), under the cell's swept values. */
export function cellCost(sweptConfig: ResolvedConfig, cell: CellKey, dim: number): CellCost {
  const config = cellConfig(sweptConfig, cell.sweep ?? {});
  const M = cell.memories;
  const D = cell.featureDim ?? dim;
  const n = config.featureMap.trainOn === 'first-half' ? Math.floor(M / 2) : M;
  const learned = config.models.some((model) => model.featureMap);
  const stageIFloat64 = learned && fusedMaxLossApplies(n, config.featureMap);
  const training = stageIFloat64
    ? stageIFloat64Flops(n, dim, D, config.featureMap.epochs)
    : config.featureMap.epochs * (2 * n * dim * D + 2 * n * n * D + 4 * dim * D);
  const stageIFlops = learned ? training + 2 * M * dim * D : 0;
  const retrievalFlops = config.models.reduce((total, model) => {
    const width = model.featureMap ? D : dim;
    const scores = (model.similarity === 'l1' ? 3 : 2) * M * M * width;
    const features = model.featureMap ? 2 * M * dim * D : 0;
    return total + config.retrieval.steps * (scores + features + 2 * M * M * dim);
  }, 0);
  return { stageIFlops, stageIFloat64, retrievalFlops };
}

interface BenchRates {
  stageI: number;
  stageIFloat64: number;
  retrieval: number;
}

/** GFLOP/s measured by the last `npm run bench` on this backend label, if there is one. */
export function benchRates(label: string, file = 'results/bench/bench.csv'): BenchRates | null {
  if (!existsSync(file)) return null;
  const rows = parse(readFileSync(file, 'utf8'), { columns: true }) as Array<{ op: string; backend: string; gflops: string }>;
  const rate = (prefix: string) => Number(rows.find((r) => r.backend === label && r.op.startsWith(prefix))?.gflops);
  const stageI = rate('stage I step');
  const stageIFloat64 = rate('stage I, max loss, 100 SGD steps');
  const retrieval = rate('retrieval softmax');
  if (!Number.isFinite(stageI) || !Number.isFinite(retrieval)) return null;
  // a bench.csv from before the float64 path: its Stage I rate stands in
  return { stageI, stageIFloat64: Number.isFinite(stageIFloat64) ? stageIFloat64 : stageI, retrieval };
}

/** Estimated seconds for these cells on one worker. */
export function estimateSeconds(costs: CellCost[], rates: BenchRates): number {
  return costs.reduce(
    (s, c) => s + c.stageIFlops / ((c.stageIFloat64 ? rates.stageIFloat64 : rates.stageI) * 1e9) + c.retrievalFlops / (rates.retrieval * 1e9),
    0,
  );
}
