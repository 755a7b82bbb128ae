/**
 * Cost model of a sweep: the work of each cell counted by kind (products, separation entries, l1
 * terms, Stage I steps, normal draws), turned into seconds by the rates a sub-second probe measured
 * on this machine (./calibration.ts). Used by `--dry-run`, the progress ETA and the worker count.
 */
import type { ResolvedConfig } from '../config/parity.ts';
import type { CellKey } from '../experiments/cell.ts';
import { cellConfig } from '../config/sweep.ts';
import { fusedMaxLossApplies } from '../featuremap/train.ts';

export interface CellCost {
  /** Stage I FLOPs (the products; the float64 path's own count when it applies). */
  stageIFlops: number;
  /** Stage I runs on the float64 max-loss SGD path. */
  stageIFloat64: boolean;
  /** Optimiser steps of Stage I on the tensor path (each has a fixed cost besides its FLOPs). */
  stageISteps: number;
  /** Normal draws of W_0. */
  normals: number;
  /** FLOPs of the retrieval products (scores and outputs) and the convergence check, all models. */
  retrievalFlops: number;
  /** Entries the separation maps see (queries × memories × steps), all models; l1 terms apart. */
  separationEntries: number;
  sparseEntries: number;
  l1Terms: number;
  /** FLOPs of Δ_min (pairwise cosines per space) and of the queries' nearest memories. */
  geometryFlops: number;
  models: number;
}

/** FLOPs of Stage I on the float64 path: X W₀ᵀ and Xᵀ C (2nd·D each), X Xᵀ and F₀ F₀ᵀ (symmetric, ≈ n²d and n²D), ~10n² per step. */
export function stageIFloat64Flops(n: number, dim: number, featureDim: number, epochs: number): number {
  return 4 * n * dim * featureDim + n * n * (dim + featureDim) + epochs * 10 * n * n;
}

/** How many queries a cell has (the test split's size is taken as `testCount`). */
export function queryCount(config: ResolvedConfig, cell: CellKey, testCount = 10000): number {
  const { from, count } = config.queries;
  if (from === 'memories') return config.dataset.queryIndices?.length ?? cell.memories;
  return count ?? (from === 'test' ? testCount : cell.memories);
}

/** Work counts of a cell under its swept values. */
export function cellCost(sweptConfig: ResolvedConfig, cell: CellKey, dim: number, testCount?: number): CellCost {
  const config = cellConfig(sweptConfig, cell.sweep ?? {});
  const M = cell.memories;
  const Q = queryCount(config, cell, testCount);
  const D = cell.featureDim ?? dim;
  const { featureMap } = config;
  const n = featureMap.trainOn === 'first-half' ? Math.floor(M / 2) : M;
  const learned = config.models.some((model) => model.featureMap);
  const stageIFloat64 = learned && fusedMaxLossApplies(n, featureMap);
  const batch = featureMap.batchSize && featureMap.batchSize < n ? featureMap.batchSize : n;
  const stepsPerEpoch = Math.ceil(n / batch);
  // forward and backward of Φ on a batch (3 products), the batch's pair matrix, the update
  const tensorStep = 3 * 2 * batch * dim * D + 2 * 2 * batch * batch * D + 4 * dim * D;
  const training = stageIFloat64 ? stageIFloat64Flops(n, dim, D, featureMap.epochs) : featureMap.epochs * stepsPerEpoch * tensorStep;
  const cost: CellCost = {
    stageIFlops: learned ? training + 2 * M * dim * D : 0,
    stageIFloat64,
    stageISteps: learned && !stageIFloat64 ? featureMap.epochs * stepsPerEpoch : 0,
    normals: learned ? dim * D : 0,
    retrievalFlops: 0,
    separationEntries: 0,
    sparseEntries: 0,
    l1Terms: 0,
    // Δ_min in pixels and in each feature space; the queries' nearest memories
    geometryFlops: M * M * dim + (learned ? M * M * D : 0) + 2 * Q * M * dim,
    models: config.models.length,
  };
  const steps = config.retrieval.steps;
  for (const model of config.models) {
    const width = model.featureMap ? D : dim;
    const entries = Q * M * steps;
    if (model.similarity === 'l1') cost.l1Terms += entries * width;
    else cost.retrievalFlops += 2 * entries * width;
    if (model.separation === 'softmax' || model.separation === 'poly') cost.separationEntries += entries;
    else cost.sparseEntries += entries;
    // Φ of the states each step, the output Ξp each step, the convergence check once
    cost.retrievalFlops += (model.featureMap ? 2 * Q * dim * D * steps : 0) + 2 * entries * dim + 2 * Q * M * dim;
  }
  return cost;
}

/** What one unit of each kind of work costs here, in seconds (measured by ./calibration.ts). */
export interface Rates {
  /** s per FLOP of a float32 product on the backend (BLAS when in use). */
  gemm: number;
  /** s per FLOP of the float64 products and steps of the max-loss path, and its fixed s per Stage I. */
  float64: number;
  float64Fixed: number;
  /** s per entry of softmax / of sparsemax (candidate thresholds) on a score matrix. */
  softmax: number;
  sparse: number;
  /** s per term of the fused l1 kernel. */
  l1: number;
  /** fixed s per Stage I step on the tensor path (kernel launches, optimiser bookkeeping). */
  stageStep: number;
  /** s per normal draw. */
  normal: number;
  /** fixed s per cell and per model (set-up, metrics, record). */
  cell: number;
  model: number;
}

/** Seconds of one cell on one worker: the part its blocks can share and the part they cannot. */
export function cellSeconds(cost: CellCost, rates: Rates): { serial: number; shareable: number } {
  const stageI = cost.stageIFloat64 ? rates.float64Fixed + cost.stageIFlops * rates.float64 : cost.stageIFlops * rates.gemm + cost.stageISteps * rates.stageStep;
  const serial = rates.cell + cost.models * rates.model + stageI + cost.normals * rates.normal + cost.geometryFlops * rates.gemm;
  const shareable = cost.retrievalFlops * rates.gemm + cost.separationEntries * rates.softmax + cost.sparseEntries * rates.sparse + cost.l1Terms * rates.l1;
  return { serial, shareable };
}

/** Fixed costs of a run besides its cells: backend set-up, and the tables and figures at the end. */
export const RUN_SECONDS = 1.2;
/** Starting the worker threads (each loads tfjs and its backend; they start in parallel). */
export const WORKER_START_SECONDS = 0.9;

/**
 * Wall seconds of a run on `workers` workers: the cells, largest first, each on the worker that
 * frees first (as the sweep schedules them); a cell that shares its blocks splits its shareable
 * part over all workers.
 */
export function runSeconds(cells: Array<{ serial: number; shareable: number; shared: boolean }>, workers: number): number {
  const free = new Array<number>(Math.max(1, workers)).fill(0);
  const sorted = [...cells].sort((a, b) => b.serial + b.shareable - (a.serial + a.shareable));
  for (const cell of sorted) {
    if (cell.shared && free.length > 1) {
      // the owner does the serial part, then every worker takes blocks
      const owner = free.indexOf(Math.min(...free));
      free[owner] += cell.serial;
      const start = Math.max(...free);
      free.fill(start + cell.shareable / free.length);
    } else {
      const worker = free.indexOf(Math.min(...free));
      free[worker] += cell.serial + cell.shareable;
    }
  }
  return Math.max(...free) + RUN_SECONDS + (workers > 1 ? WORKER_START_SECONDS : 0);
}
