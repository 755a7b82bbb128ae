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
import { pixelSpace, type FeatureSpace } from '../hopfield/featureSpace.ts';
import { retrieve, stepLogits, type RetrievalSpec } from '../hopfield/retrieval.ts';
import { matchTemperature } from '../hopfield/temperature.ts';
import { errorPerQuery, meanOf, successRate } from '../metrics/retrievalError.ts';
import { logitScale, nearestMemories, pairGeometry, retrievalEnds, rowNorms } from '../metrics/diagnostics.ts';
import { runStageOne, type StageI } from './stageOne.ts';
import { CellFailure, type CellKey, type CellResult, type ModelRecord, type ModelTiming } from './records.ts';

export { CellFailure } from './records.ts';
export type { CellKey, CellResult, ModelRecord, ModelTiming } from './records.ts';

function allFinite(tensor: tf.Tensor): boolean {
  const check = tf.all(tf.isFinite(tensor));
  const ok = check.dataSync()[0] === 1;
  check.dispose();
  return ok;
}

/** Everything the models of a cell share. */
interface CellContext {
  config: ResolvedConfig;
  cell: CellKey;
  dim: number;
  backend: string;
  memories: tf.Tensor2D;
  queries: tf.Tensor2D;
  /** Memory position each query was built from. */
  targets: Int32Array;
  nearest: Int32Array;
  /** Labels of the memories, null when the pool has a single class. */
  memoryLabels: Int32Array | null;
  raw: { deltaMin: number; meanCosine: number };
  pixels: FeatureSpace;
  stage: StageI | null;
  /** Geometry and feature norms of the memories in a space, computed once per space. */
  spaceFacts(space: FeatureSpace): { geometry: { deltaMin: number; meanCosine: number }; norms: { mean: number; max: number } };
}

/** Query i is built from memory targets[i]: every memory in order, or the pinned dataset.queryIndices. */
function queryTargets(config: ResolvedConfig, indices: Int32Array): Int32Array {
  const pinned = config.dataset.queryIndices;
  if (!pinned) return Int32Array.from(indices, (_, i) => i);
  return Int32Array.from(pinned, (poolIndex) => {
    const position = indices.indexOf(poolIndex);
    if (position < 0) throw new UserError(`dataset.queryIndices: ${poolIndex} is not a memory of the cell with M = ${indices.length}`);
    return position;
  });
}

export function runCell(config: ResolvedConfig, pool: Pool, cell: CellKey, backend: string): CellResult {
  const dim = pool.dim;
  const balanced = 'balanced' in config.dataset && config.dataset.balanced;
  const indices = selectMemoryIndices(pool, cell.memories, rngFor(cell.seed, 'memory-set'), config.dataset.indices, balanced);
  const memoryRows = gatherRows(pool, indices);
  const targets = queryTargets(config, indices);
  const queryRows = corrupt(gatherRows({ images: memoryRows, dim }, targets), dim, config.corruption, rngFor(cell.seed, cell.memories, 'query'));
  const memories = tf.tensor2d(memoryRows, [cell.memories, dim]);
  const queries = tf.tensor2d(queryRows, [targets.length, dim]);
  const labels = Int32Array.from(indices, (k) => pool.labels[k]);
  const pixels = pixelSpace(memories);
  const facts = new Map<FeatureSpace, ReturnType<CellContext['spaceFacts']>>();
  let stage: StageI | null = null;
  try {
    stage = config.models.some((model) => model.featureMap) ? runStageOne(config, memories, dim, cell) : null;
    const context: CellContext = {
      config,
      cell,
      dim,
      backend,
      memories,
      queries,
      targets,
      nearest: nearestMemories(queries, memories),
      memoryLabels: new Set(labels).size > 1 ? labels : null,
      raw: pairGeometry(memories),
      pixels,
      stage,
      spaceFacts: (space) => {
        if (!facts.has(space)) facts.set(space, { geometry: pairGeometry(space.memories.rows), norms: rowNorms(space.memories.rows) });
        return facts.get(space)!;
      },
    };
    return evaluateModels(context);
  } finally {
    stage?.dispose();
    pixels.dispose();
    memories.dispose();
    queries.dispose();
  }
}

/** The space a model scores in. */
function spaceOf(model: ModelSpec, context: CellContext): FeatureSpace {
  if (!model.featureMap || !context.stage) return context.pixels;
  return model.control === 'norm-matched' ? context.stage.normMatched() : context.stage.space;
}

function specOf(model: ModelSpec, config: ResolvedConfig): RetrievalSpec {
  const spec: RetrievalSpec = {
    similarity: model.similarity,
    separation: model.separation,
    degree: model.degree ?? 10,
    ...config.retrieval,
    beta: model.beta ?? config.retrieval.beta,
  };
  // normalised Φ: cosine of unit-norm features, β an inverse temperature (the spherical-code setting)
  if (model.control === 'normalized') return { ...spec, similarity: 'cosine', betaPlacement: 'logits' };
  if (model.control === 'temperature-matched') return { ...spec, betaPlacement: 'logits' };
  return spec;
}

/** Models without a temperature match first (their logit scales are the targets), records in config order. */
function evaluateModels(context: CellContext): CellResult {
  const { config } = context;
  const scales = new Map<string, number>();
  const results = new Map<string, { record: ModelRecord; timing: ModelTiming }>();
  const ordered = [...config.models].sort((a, b) => Number(a.control === 'temperature-matched') - Number(b.control === 'temperature-matched'));
  const defaultReference = config.models.find((m) => m.featureMap && !m.control)?.name;
  for (const model of ordered) {
    let spec = specOf(model, config);
    const space = spaceOf(model, context);
    if (model.control === 'temperature-matched') {
      const target = scales.get(model.matchTo ?? defaultReference ?? '') ?? NaN;
      spec = { ...spec, beta: temperatureFor(space, context.queries, spec, target) };
    }
    const result = evaluateModel(model, spec, space, context);
    scales.set(model.name, result.record.logitScale);
    results.set(model.name, result);
  }
  const inOrder = config.models.map((model) => results.get(model.name)!);
  return { records: inOrder.map((r) => r.record), timings: inOrder.map((r) => r.timing) };
}

/** β at which this model's median logit gap equals `target` (bisection on log β). */
function temperatureFor(space: FeatureSpace, queries: tf.Tensor2D, spec: RetrievalSpec, target: number): number {
  const scores = stepLogits(space, queries, { ...spec, beta: 1 });
  const match = matchTemperature((beta) => {
    const logits = tf.mul(scores, beta) as tf.Tensor2D;
    const scale = logitScale(logits);
    logits.dispose();
    return scale;
  }, target);
  scores.dispose();
  if (!Number.isFinite(match.beta)) throw new CellFailure(`temperature match: no finite β reaches logit scale ${target}`);
  return match.beta;
}

function evaluateModel(model: ModelSpec, spec: RetrievalSpec, space: FeatureSpace, context: CellContext): { record: ModelRecord; timing: ModelTiming } {
  const { config, cell, stage } = context;
  const started = performance.now();
  let badStep = 0;
  let scale = NaN;
  const { states, weights } = retrieve(context.memories, space, context.queries, spec, (step, result) => {
    if (step === 1) scale = logitScale(result.logits);
    if (badStep === 0 && !(allFinite(result.states) && allFinite(result.weights))) badStep = step;
  });
  const targetRows = tf.gather(context.memories, context.targets);
  const errors = errorPerQuery(targetRows as tf.Tensor2D, states, config.metrics.clamp);
  const ends = retrievalEnds(weights, context.targets, context.nearest, context.memoryLabels);
  tf.dispose([states, weights, targetRows]);
  const error = meanOf(errors);
  if (badStep > 0 || !Number.isFinite(error)) {
    throw new CellFailure(`model "${model.name}": non-finite retrieval state or weights at step ${badStep || spec.steps}`);
  }
  const learned = model.featureMap && stage !== null;
  const { geometry, norms } = context.spaceFacts(space);
  const record: ModelRecord = {
    model: model.name,
    dataset: config.dataset.name,
    M: cell.memories,
    seed: cell.seed,
    featureDim: cell.featureDim ?? context.dim,
    error,
    mse: error / context.dim,
    exactRate: ends.target,
    successRate: successRate(errors, config.metrics.successThreshold),
    deltaMin: geometry.deltaMin,
    sepLossInit: learned ? stage.lossInit : null,
    sepLossFinal: learned ? stage.lossFinal : null,
    similarity: spec.similarity,
    separation: model.separation === 'poly' ? `poly-${spec.degree}` : model.separation,
    featureMap: model.featureMap,
    backend: context.backend,
    control: model.control ?? '',
    beta: spec.beta,
    logitScale: scale,
    wNormInit: learned ? stage.wNormInit : null,
    wNormTrained: learned ? (model.control === 'norm-matched' ? stage.wNormInit : stage.wNormTrained) : null,
    featureNormMean: norms.mean,
    featureNormMax: norms.max,
    deltaMinInit: learned ? stage.deltaMinInit : context.raw.deltaMin,
    meanCosInit: learned ? stage.meanCosInit : context.raw.meanCosine,
    meanCos: geometry.meanCosine,
    deltaMinRaw: context.raw.deltaMin,
    endNearest: ends.nearest,
    endLabel: ends.label,
    distinctEnds: ends.distinct,
  };
  const timing = { model: model.name, M: cell.memories, seed: cell.seed, stageIMs: learned ? stage.ms : 0, retrievalMs: performance.now() - started };
  return { record, timing };
}
