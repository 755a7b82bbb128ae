/** What a cell produces: one record per model (a row of cells.csv), timings, and failures. */
import type { SweepValues } from './cellIdentity.ts';

/** Set by the run machinery on cells and rows of a config with a `sweep`: the cell's swept values. */
interface Swept {
  sweep?: SweepValues;
}

export interface CellKey extends Swept {
  memories: number;
  seed: number;
  /** D_Φ of the cell's feature map; absent or null = the data dimension. */
  featureDim?: number | null;
}

/** One row of cells.csv. Deterministic: the same config and seed give the same values. */
export interface ModelRecord extends Swept {
  model: string;
  dataset: string;
  M: number;
  seed: number;
  /** D_Φ of the cell's feature map (the data dimension when not set). */
  featureDim: number;
  /** Mean over queries of the official error Σ_i (clamp ξ_i − clamp x̂_i)². */
  error: number;
  /** error / d: mean squared error per pixel. */
  mse: number;
  /** Share of queries with argmax p = target. */
  exactRate: number;
  /** Share of queries with error ≤ metrics.successThreshold. */
  successRate: number;
  /** Δ_min of the memories in the space the model scores in (pixels, or Φ after Stage I). */
  deltaMin: number;
  /** Stage I separation loss before training (U-Hop models only). */
  sepLossInit: number | null;
  /** Stage I final separation loss, as featureMap.finalLoss says (U-Hop models only). */
  sepLossFinal: number | null;
  similarity: string;
  separation: string;
  featureMap: boolean;
  backend: string;
  /** Scale-matched control, if the model is one. */
  control: string;
  /** β used (found by bisection for a temperature-matched baseline). */
  beta: number;
  /** Median over queries of (largest − second-largest logit entering Sep) at the first step. */
  logitScale: number;
  /** ‖W‖_F at init and as used for retrieval (U-Hop models only). */
  wNormInit: number | null;
  wNormTrained: number | null;
  /** Mean and largest norm of the memories' features in the model's space. */
  featureNormMean: number;
  featureNormMax: number;
  /** Δ_min and mean pairwise cosine before Stage I (Φ_0; the raw memories for baselines). */
  deltaMinInit: number;
  meanCosInit: number;
  /** Mean pairwise cosine in the model's space. */
  meanCos: number;
  /** Δ_min of the raw memories. */
  deltaMinRaw: number;
  /** Share of queries ending at the query's nearest memory in input space; at a memory with its label. */
  endNearest: number;
  endLabel: number;
  /** Number of distinct memories the queries end at. */
  distinctEnds: number;
  /** Retrieval steps run (fewer than retrieval.steps when the tolerance stopped it). */
  stepsUsed: number;
  /** Share of queries whose final p has more than one entry above metrics.supportThreshold: metastable states. */
  metastableShare: number;
  /** Mean ‖p‖. */
  supportMean: number;
  /** Shares of queries whose final state is within metrics.convergedRadius of their target, of another memory, of none. */
  convergedTarget: number;
  convergedOther: number;
  notConverged: number;
  /** Shares of queries with ‖p‖ = 0, 1, …, 10, > 10 (metastable.csv; not a cells.csv column). */
  supportHistogram: number[];
}

/** One query of one model in one cell (queries.csv, with metrics.perQuery). */
export interface QueryRow extends Swept {
  model: string;
  M: number;
  seed: number;
  featureDim: number;
  query: number;
  /** Pool index of the query image (before corruption), of its target memory and of the memory it ended at. */
  queryIndex: number;
  targetIndex: number;
  endIndex: number;
  error: number;
  support: number;
}

/** One retrieval step of one model in one cell (trace.csv). */
export interface TraceRow extends Swept {
  model: string;
  M: number;
  seed: number;
  featureDim: number;
  step: number;
  /** Mean energy of the states the step started from (entmax family on dot scores; NaN elsewhere). */
  energy: number;
  /** Mean ‖x_t − x_{t−1}‖ over queries. */
  change: number;
}

/**
 * One epoch of a cell's Stage I (stage1.csv): the state after `epoch` epochs of the Φ that every
 * U-Hop model of the cell shares. Values that were not measured at that epoch are null.
 */
export interface StageOneRow {
  M: number;
  seed: number;
  featureDim: number;
  epoch: number;
  /** Separation loss of all training memories (full batch: every epoch; minibatches: at the checkpoints). */
  loss: number | null;
  /** Minibatches: the mean loss over the epoch's minibatches (each before its update); null at epoch 0 and for full batch. */
  batchLoss: number | null;
  /** Δ_min of the training memories' features, every featureMap.curveEvery epochs and after the last. */
  deltaMin: number | null;
}

/** Wall times: kept out of cells.csv so that the CSV is reproducible byte for byte. */
export interface ModelTiming extends Swept {
  model: string;
  M: number;
  seed: number;
  /** D_Φ of the cell (the data dimension when not set), as in cells.csv. */
  featureDim: number;
  stageIMs: number;
  retrievalMs: number;
}

/** A finished cell as stored in a results folder's cells/ (the cache). */
export interface CachedCell extends CellKey {
  key: string;
  records: ModelRecord[];
  timings: ModelTiming[];
  trace: TraceRow[];
  queries?: QueryRow[];
  /** The Stage I curve, when a model has a trained Φ. */
  stageOne?: StageOneRow[];
  finishedAt: string;
}

/** A cell whose last attempt failed (retried on the next run). */
export interface FailedCell extends CellKey {
  key: string;
  error: string;
  failedAt: string;
}

export interface CellResult {
  records: ModelRecord[];
  timings: ModelTiming[];
  trace: TraceRow[];
  /** Per-query rows, only with metrics.perQuery. */
  queries?: QueryRow[];
  /** The Stage I curve, when a model has a trained Φ. */
  stageOne?: StageOneRow[];
}

/** A cell that produced NaN or ±Inf: it is recorded as failed, never as a number in a table. */
export class CellFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CellFailure';
  }
}
