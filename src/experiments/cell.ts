/**
 * One cell = (config, M, seed) → one record per model. Every model of a cell sees the same
 * memories, the same corrupted queries and (for U-Hop models) the same trained Φ: common random
 * numbers, so model differences are not sampling noise.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../config/parity.ts';
import type { ModelSpec } from '../config/schema.ts';
import { UserError } from '../config/errors.ts';
import { gatherRows, type Pool } from '../data/pool.ts';
import { selectMemoryIndices } from '../data/memorySet.ts';
import { corrupt } from '../data/corruptions.ts';
import { rngFor } from '../random/prng.ts';
import { initialWeightsT } from '../featuremap/linear.ts';
import { trainFeatureMap } from '../featuremap/train.ts';
import { linearSpace, pixelSpace, type FeatureSpace } from '../hopfield/featureSpace.ts';
import { retrieve } from '../hopfield/retrieval.ts';
import { errorPerQuery, exactRetrievalRate, meanOf, successRate } from '../metrics/retrievalError.ts';
import { minimalSeparation } from '../metrics/separation.ts';

/** A cell that produced NaN or ±Inf: it is recorded as failed, never as a number in a table. */
export class CellFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CellFailure';
  }
}

function allFinite(tensor: tf.Tensor): boolean {
  const check = tf.all(tf.isFinite(tensor));
  const ok = check.dataSync()[0] === 1;
  check.dispose();
  return ok;
}

export interface CellKey {
  memories: number;
  seed: number;
}

/** One row of cells.csv. Deterministic: the same config and seed give the same values. */
export interface ModelRecord {
  model: string;
  dataset: string;
  M: number;
  seed: number;
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
}

/** Wall times: kept out of cells.csv so that the CSV is reproducible byte for byte. */
export interface ModelTiming {
  model: string;
  M: number;
  seed: number;
  stageIMs: number;
  retrievalMs: number;
}

export interface CellResult {
  records: ModelRecord[];
  timings: ModelTiming[];
}

interface StageI {
  space: FeatureSpace;
  lossInit: number;
  lossFinal: number;
  ms: number;
}

function stageOne(config: ResolvedConfig, memories: tf.Tensor2D, pool: Pool, cell: CellKey): StageI {
  const started = performance.now();
  const options = config.featureMap;
  const featureDim = options.dim ?? pool.dim;
  const trainCount = options.trainOn === 'first-half' ? Math.floor(cell.memories / 2) : cell.memories;
  if (trainCount < 2) {
    throw new UserError(
      `Stage I needs at least 2 training memories; M = ${cell.memories} with featureMap.trainOn "${options.trainOn}" gives ${trainCount}`,
    );
  }
  const init = initialWeightsT(pool.dim, featureDim, options.initStd, rngFor(cell.seed, cell.memories, 'phi-init'));
  const weightsT0 = tf.tensor2d(init, [pool.dim, featureDim]);
  const train = tf.slice(memories, [0, 0], [trainCount, pool.dim]);
  const result = trainFeatureMap(train, weightsT0, options);
  train.dispose();
  weightsT0.dispose();
  const badStep = result.losses.findIndex((loss) => !Number.isFinite(loss));
  if (badStep >= 0 || !Number.isFinite(result.lossAfter) || !allFinite(result.weightsT)) {
    result.weightsT.dispose();
    const where = badStep >= 0 ? `at step ${badStep}` : 'after the last step';
    throw new CellFailure(`Stage I (${options.loss} loss): non-finite separation loss or weights ${where}`);
  }
  const space = linearSpace(memories, result.weightsT);
  result.weightsT.dispose();
  const lossInit = result.losses.length ? result.losses[0] : result.lossAfter;
  const lossLast = result.losses.length ? result.losses[result.losses.length - 1] : result.lossAfter;
  return {
    space,
    lossInit,
    lossFinal: options.finalLoss === 'last-iteration' ? lossLast : result.lossAfter,
    ms: performance.now() - started,
  };
}

export function runCell(config: ResolvedConfig, pool: Pool, cell: CellKey, backend: string): CellResult {
  const dim = pool.dim;
  const balanced = 'balanced' in config.dataset && config.dataset.balanced;
  const indices = selectMemoryIndices(pool, cell.memories, rngFor(cell.seed, 'memory-set'), config.dataset.indices, balanced);
  const memoryRows = gatherRows(pool, indices);
  const queryRows = corrupt(memoryRows, dim, config.corruption, rngFor(cell.seed, cell.memories, 'query'));
  const memories = tf.tensor2d(memoryRows, [cell.memories, dim]);
  const queries = tf.tensor2d(queryRows, [cell.memories, dim]);
  const targets = Int32Array.from({ length: cell.memories }, (_, i) => i); // query i is built from memory i

  const pixels = pixelSpace(memories);
  let stage: StageI | null = null;
  try {
    stage = config.models.some((model) => model.featureMap) ? stageOne(config, memories, pool, cell) : null;
    return retrieveAll(config, cell, dim, backend, { memories, queries, targets, pixels, stage });
  } finally {
    stage?.space.dispose();
    pixels.dispose();
    memories.dispose();
    queries.dispose();
  }
}

interface CellTensors {
  memories: tf.Tensor2D;
  queries: tf.Tensor2D;
  targets: Int32Array;
  pixels: FeatureSpace;
  stage: StageI | null;
}

function retrieveAll(config: ResolvedConfig, cell: CellKey, dim: number, backend: string, tensors: CellTensors): CellResult {
  const { memories, queries, targets, pixels, stage } = tensors;
  const separationIn = new Map<FeatureSpace, number>();
  const records: ModelRecord[] = [];
  const timings: ModelTiming[] = [];
  for (const model of config.models) {
    const space = model.featureMap && stage ? stage.space : pixels;
    if (!separationIn.has(space)) separationIn.set(space, minimalSeparation(space.memories.rows));
    const started = performance.now();
    let badStep = 0;
    const { states, weights } = retrieve(memories, space, queries, retrievalSpec(config, model), (step, result) => {
      if (badStep === 0 && !(allFinite(result.states) && allFinite(result.weights))) badStep = step;
    });
    const errors = errorPerQuery(memories, states, config.metrics.clamp);
    const exactRate = exactRetrievalRate(weights, targets);
    states.dispose();
    weights.dispose();
    const error = meanOf(errors);
    if (badStep > 0 || !Number.isFinite(error)) {
      const step = badStep || config.retrieval.steps;
      throw new CellFailure(`model "${model.name}": non-finite retrieval state or weights at step ${step}`);
    }
    records.push({
      model: model.name,
      dataset: config.dataset.name,
      M: cell.memories,
      seed: cell.seed,
      error,
      mse: error / dim,
      exactRate,
      successRate: successRate(errors, config.metrics.successThreshold),
      deltaMin: separationIn.get(space)!,
      sepLossInit: model.featureMap && stage ? stage.lossInit : null,
      sepLossFinal: model.featureMap && stage ? stage.lossFinal : null,
      similarity: model.similarity,
      separation: model.separation === 'poly' ? `poly-${model.degree ?? 10}` : model.separation,
      featureMap: model.featureMap,
      backend,
    });
    timings.push({
      model: model.name,
      M: cell.memories,
      seed: cell.seed,
      stageIMs: model.featureMap && stage ? stage.ms : 0,
      retrievalMs: performance.now() - started,
    });
  }
  return { records, timings };
}

function retrievalSpec(config: ResolvedConfig, model: ModelSpec) {
  return {
    similarity: model.similarity,
    separation: model.separation,
    degree: model.degree ?? 10,
    ...config.retrieval,
  };
}
