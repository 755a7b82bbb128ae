/** Cost model of a sweep for `--dry-run`: FLOPs per cell and a time from the last `npm run bench`. */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { ResolvedConfig } from '../config/parity.ts';
import type { CellKey } from './cell.ts';
import { fusedMaxLossApplies } from '../featuremap/train.ts';

export interface CellCost {
  stageIFlops: number;
  retrievalFlops: number;
}

/** Multiply-adds of the dominant products (elementwise work ignored, l1 counted as 3 ops per term). */
export function cellCost(config: ResolvedConfig, cell: CellKey, dim: number): CellCost {
  const M = cell.memories;
  const D = cell.featureDim ?? dim;
  const n = config.featureMap.trainOn === 'first-half' ? Math.floor(M / 2) : M;
  const learned = config.models.some((model) => model.featureMap);
  const perStep = fusedMaxLossApplies(n, config.featureMap)
    ? // float64 path: X W₀ᵀ, X Xᵀ, F₀ F₀ᵀ and Xᵀ C once, then rank-4 Gram updates
      (2 * n * dim * D + n * n * (dim + D) + 2 * dim * n * D) / config.featureMap.epochs + 10 * n * n
    : 2 * n * dim * D + 2 * n * n * D + 4 * dim * D;
  const stageIFlops = learned ? config.featureMap.epochs * perStep + 2 * M * dim * D : 0;
  const retrievalFlops = config.models.reduce((total, model) => {
    const width = model.featureMap ? D : dim;
    const scores = (model.similarity === 'l1' ? 3 : 2) * M * M * width;
    const features = model.featureMap ? 2 * M * dim * D : 0;
    return total + config.retrieval.steps * (scores + features + 2 * M * M * dim);
  }, 0);
  return { stageIFlops, retrievalFlops };
}

interface BenchRates {
  stageI: number;
  retrieval: number;
}

/** GFLOP/s measured by the last `npm run bench` on this backend label, if there is one. */
export function benchRates(label: string, file = 'results/bench/bench.csv'): BenchRates | null {
  if (!existsSync(file)) return null;
  const rows = parse(readFileSync(file, 'utf8'), { columns: true }) as Array<{ op: string; backend: string; gflops: string }>;
  const rate = (prefix: string) => Number(rows.find((r) => r.backend === label && r.op.startsWith(prefix))?.gflops);
  const stageI = rate('stage I step');
  const retrieval = rate('retrieval softmax');
  return Number.isFinite(stageI) && Number.isFinite(retrieval) ? { stageI, retrieval } : null;
}

/** Estimated seconds for these cells on one worker. */
export function estimateSeconds(costs: CellCost[], rates: BenchRates): number {
  return costs.reduce((s, c) => s + c.stageIFlops / (rates.stageI * 1e9) + c.retrievalFlops / (rates.retrieval * 1e9), 0);
}
