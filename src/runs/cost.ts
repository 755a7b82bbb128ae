/**
 * Cost model of a sweep: the work of each cell counted by kind (products, separation entries, l1
 * terms, Stage I steps, normal draws), turned into seconds by the rates a sub-second probe measured
 * on this machine (./calibration.ts). Used by `--dry-run`, the progress ETA and the worker count.
 */
import type { ResolvedConfig } from '../config/parity.ts';
import type { CellKey } from '../experiments/cell.ts';
import { cellConfig } from '../config/sweep.ts';
import { fusedMaxLossApplies } from '../featuremap/solverChoice.ts';

export interface CellCost {
  /** Stage I FLOPs of the float32 products (tensor path), or of the float64 products (max-loss path). */
  stageIFlops: number;
  /** Max-loss path: Gram-matrix entries updated over all steps (n² per step). */
  stageIGramEntries: number;
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

/** FLOPs of the float64 products of the max-loss path: X W₀ᵀ and Xᵀ C (2nd·D each), X Xᵀ and F₀ F₀ᵀ (2n²d, 2n²D). */
export function stageIFloat64Flops(n: number, dim: number, featureDim: number): number {
  return 4 * n * dim * featureDim + 2 * n * n * (dim + featureDim);
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
  const training = stageIFloat64 ? stageIFloat64Flops(n, dim, D) : featureMap.epochs * stepsPerEpoch * tensorStep;
  const cost: CellCost = {
    // Φ₀ of the memories for the initial geometry is a float32 product either way (counted as geometry)
    stageIFlops: learned ? training : 0,
    stageIGramEntries: stageIFloat64 ? featureMap.epochs * n * n : 0,
    stageIFloat64,
    stageISteps: learned && !stageIFloat64 ? featureMap.epochs * stepsPerEpoch : 0,
    normals: learned ? dim * D : 0,
    retrievalFlops: 0,
    separationEntries: 0,
    sparseEntries: 0,
    l1Terms: 0,
    // Δ_min in pixels and in each feature space; the queries' nearest memories
    geometryFlops: M * M * dim + (learned ? M * M * D + 2 * M * dim * D : 0) + 2 * Q * M * dim,
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
  /** s per FLOP of a float64 product (the max-loss path's), and per Gram entry of one of its steps. */
  gemm64: number;
  gramEntry: number;
  /** s per entry of W (d × D_Φ) for Stage I's passes over it besides the normal draws (copies, conversions). */
  weightEntry: number;
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
  const stageI = cost.stageIFloat64
    ? cost.stageIFlops * rates.gemm64 + cost.stageIGramEntries * rates.gramEntry
    : cost.stageIFlops * rates.gemm + cost.stageISteps * rates.stageStep;
  // the normal draws of W₀ and the passes over W come with every learned Φ (cost.normals = d·D_Φ)
  const weights = cost.normals * (rates.normal + rates.weightEntry);
  const serial = rates.cell + cost.models * rates.model + stageI + weights + cost.geometryFlops * rates.gemm;
  const shareable = cost.retrievalFlops * rates.gemm + cost.separationEntries * rates.softmax + cost.sparseEntries * rates.sparse + cost.l1Terms * rates.l1;
  return { serial, shareable };
}

/**
 * Fixed costs of a run besides its cells: the process and its modules, the backend, the data set,
 * and the tables and figures at the end (a 2-cell mnist run took 2.6–2.8 s of wall time here).
 */
export const RUN_SECONDS = 2.4;
/** The part of RUN_SECONDS after the last cell: tables, figures, report (~1.4–1.6 s for configs/mnist.json). */
export const OUTPUT_SECONDS = 1.4;
/** Starting the worker threads (each loads tfjs, its backend and the data set; they start in parallel). */
export const WORKER_START_SECONDS = 1.2;
/**
 * How much slower a worker computes while the others do too (memory bandwidth, caches, the shared
 * address space): two workers each ran their cells 1.2–1.4× slower than one alone on this 2-core
 * machine, two separate uhop processes 1.24–1.35×.
 */
export const PARALLEL_SLOWDOWN = 1.3;

/** Spreads `seconds` of work over the workers like water: the least loaded are filled up first. */
function pour(free: number[], seconds: number): void {
  const levels = [...free].sort((a, b) => a - b);
  let level = levels[0];
  let left = seconds;
  let filled = 1;
  // raise the lowest `filled` workers together until the work runs out or they reach the next one
  while (filled < levels.length && left > (levels[filled] - level) * filled) {
    left -= (levels[filled] - level) * filled;
    level = levels[filled];
    filled++;
  }
  level += left / filled;
  for (let w = 0; w < free.length; w++) free[w] = Math.max(free[w], level);
}

/**
 * Wall seconds of a run on `workers` workers: the cells, largest first, each on the worker that
 * frees first (as the sweep schedules them); a cell that shares its blocks splits its shareable
 * part over all workers.
 */
export function runSeconds(estimates: Array<{ serial: number; shareable: number; shared: boolean }>, workers: number): number {
  const free = new Array<number>(Math.max(1, workers)).fill(0);
  const slowdown = free.length > 1 ? PARALLEL_SLOWDOWN : 1;
  const cells = estimates.map((cell) => ({ ...cell, serial: cell.serial * slowdown, shareable: cell.shareable * slowdown }));
  const sorted = cells.sort((a, b) => b.serial + b.shareable - (a.serial + a.shareable));
  for (const cell of sorted) {
    if (cell.shared && free.length > 1) {
      // the owner does the serial part; its blocks go to whichever workers free first, filling the
      // least loaded up (the others go on with their own cells, then take blocks)
      const owner = free.indexOf(Math.min(...free));
      free[owner] += cell.serial;
      pour(free, cell.shareable);
    } else {
      const worker = free.indexOf(Math.min(...free));
      free[worker] += cell.serial + cell.shareable;
    }
  }
  return Math.max(...free) + RUN_SECONDS + (workers > 1 ? WORKER_START_SECONDS : 0);
}
