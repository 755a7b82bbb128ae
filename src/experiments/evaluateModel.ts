/**
 * Evaluating the models of a cell: the space and retrieval settings each model uses, the
 * temperature match of the controls, retrieval in row blocks, and the metrics of one model.
 */
import * as tf from '@tensorflow/tfjs';
import { median } from 'simple-statistics';
import type { ResolvedConfig } from '../config/parity.ts';
import type { ModelSpec } from '../config/schema.ts';
import { rowBlocks } from '../backend/blocks.ts';
import { copyRows } from '../backend/rows.ts';
import type { FeatureSpace } from '../hopfield/featureSpace.ts';
import { retrieve, stepLogits, type RetrievalSpec } from '../hopfield/retrieval.ts';
import { matchTemperature } from '../hopfield/temperature.ts';
import { hasEnergy, meanEnergy } from '../hopfield/energy.ts';
import { errorPerQuery, meanOf, successRate } from '../metrics/retrievalError.ts';
import { allFinite, argmaxRows, logitGaps, logitScale, summarizeEnds } from '../metrics/diagnostics.ts';
import { convergence, supportHistogram, supportSizes } from '../metrics/metastable.ts';
import type { StageI } from './stageOne.ts';
import { CellFailure, type CellKey, type CellResult, type ModelRecord, type ModelTiming, type QueryRow, type TraceRow } from './records.ts';

/** Everything the models of a cell share. */
export interface CellContext {
  config: ResolvedConfig;
  cell: CellKey;
  dim: number;
  backend: string;
  memories: tf.Tensor2D;
  /** The memories' row-major values (rows are copied from here, not gathered on the backend). */
  memoryValues: Float32Array;
  queries: tf.Tensor2D;
  /** Memory position each query was built from. */
  targets: Int32Array;
  nearest: Int32Array;
  /** Labels of the memories, null when the pool has a single class. */
  memoryLabels: Int32Array | null;
  raw: { deltaMin: number; meanCosine: number };
  /** Pool indices of the memories and of the queries (for queries.csv). */
  memoryIndices: Int32Array;
  queryIndices: Int32Array;
  pixels: FeatureSpace;
  stage: StageI | null;
  /** Geometry and feature norms of the memories in a space, computed once per space. */
  spaceFacts(space: FeatureSpace): { geometry: { deltaMin: number; meanCosine: number }; norms: { mean: number; max: number } };
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
    alpha: model.alpha,
    ...config.retrieval,
    beta: model.beta ?? config.retrieval.beta,
  };
  // normalised Φ: cosine of unit-norm features, β an inverse temperature (the spherical-code setting)
  if (model.control === 'normalized') return { ...spec, similarity: 'cosine', betaPlacement: 'logits' };
  if (model.control === 'temperature-matched') return { ...spec, betaPlacement: 'logits' };
  return spec;
}

/** Models without a temperature match first (their logit scales are the targets), records in config order. */
export function evaluateModels(context: CellContext): CellResult {
  const { config } = context;
  const scales = new Map<string, number>();
  const results = new Map<string, ModelResult>();
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
  const result: CellResult = { records: inOrder.map((r) => r.record), timings: inOrder.map((r) => r.timing), trace: inOrder.flatMap((r) => r.trace) };
  if (config.metrics.perQuery) result.queries = inOrder.flatMap((r) => r.queries);
  return result;
}

/** β at which this model's median logit gap equals `target` (bisection on log β). */
function temperatureFor(space: FeatureSpace, queries: tf.Tensor2D, spec: RetrievalSpec, target: number): number {
  const blocks = rowBlocks(queries.shape[0], space.memories.rows.shape[0]);
  let scale: (beta: number) => number;
  let release = () => {};
  if (blocks.length === 1) {
    const scores = stepLogits(space, queries, { ...spec, beta: 1 });
    scale = (beta) => {
      const logits = tf.mul(scores, beta) as tf.Tensor2D;
      const value = logitScale(logits);
      logits.dispose();
      return value;
    };
    release = () => scores.dispose();
  } else {
    // too many queries × memories to keep the scores: the gaps of β·s are β times those of s
    const gaps = new Float32Array(queries.shape[0]);
    for (const { start, size } of blocks) {
      const block = tf.slice(queries, [start, 0], [size, -1]) as tf.Tensor2D;
      const scores = stepLogits(space, block, { ...spec, beta: 1 });
      gaps.set(logitGaps(scores), start);
      tf.dispose([block, scores]);
    }
    const unit = median(Array.from(gaps));
    scale = (beta) => beta * unit;
  }
  const match = matchTemperature(scale, target);
  release();
  if (!Number.isFinite(match.beta)) throw new CellFailure(`temperature match: no finite β reaches logit scale ${target}`);
  return match.beta;
}

interface ModelResult {
  record: ModelRecord;
  timing: ModelTiming;
  trace: TraceRow[];
  queries: QueryRow[];
}

/** ‖p‖ threshold: "auto" is 0.01 for dense maps (softmax, poly) and exact non-zeros for sparse ones. */
function supportThreshold(config: ResolvedConfig, model: ModelSpec): number {
  const setting = config.metrics.supportThreshold;
  if (setting !== 'auto') return setting;
  return model.separation === 'softmax' || model.separation === 'poly' || (model.separation === 'entmax' && model.alpha === 1) ? 0.01 : 0;
}

/** What the query blocks of one model produce, put together. */
interface QueryOutcome {
  errors: Float32Array;
  ends: Int32Array;
  sizes: Int32Array;
  gaps: Float32Array;
  converged: { target: number; other: number; none: number };
  steps: number;
  badStep: number;
  /** Per step: sums over queries of energy and move, and how many queries ran that step. */
  perStep: Array<{ energy: number; change: number; count: number }>;
}

/** Runs the retrieval of one model over the queries, in row blocks when queries × memories is large. */
function retrieveInBlocks(model: ModelSpec, spec: RetrievalSpec, space: FeatureSpace, context: CellContext): QueryOutcome {
  const { config } = context;
  const count = context.queries.shape[0];
  const blocks = rowBlocks(count, context.cell.memories);
  const out: QueryOutcome = {
    errors: new Float32Array(count),
    ends: new Int32Array(count),
    sizes: new Int32Array(count),
    gaps: new Float32Array(count),
    converged: { target: 0, other: 0, none: 0 },
    steps: 0,
    badStep: 0,
    perStep: [],
  };
  const withEnergy = hasEnergy(spec);
  for (const { start, size } of blocks) {
    const queries = blocks.length === 1 ? context.queries : (tf.slice(context.queries, [start, 0], [size, -1]) as tf.Tensor2D);
    const targets = context.targets.subarray(start, start + size);
    const { states, weights, steps } = retrieve(context.memories, space, queries, spec, (step, result) => {
      if (step === 1) out.gaps.set(logitGaps(result.logits), start);
      if (!(allFinite(result.states) && allFinite(result.weights)) && (out.badStep === 0 || step < out.badStep)) out.badStep = step;
      const change = tf.sum(result.change);
      const energy = withEnergy && result.from ? meanEnergy(space, result.from, result.logits, spec, result.weights) * size : NaN;
      const slot = (out.perStep[step - 1] ??= { energy: 0, change: 0, count: 0 });
      slot.energy += energy;
      slot.change += change.dataSync()[0];
      slot.count += size;
      change.dispose();
    });
    out.steps = Math.max(out.steps, steps ?? spec.steps);
    const targetRows = tf.tensor2d(copyRows(context.memoryValues, context.dim, targets), [size, context.dim]);
    out.errors.set(errorPerQuery(targetRows, states, config.metrics.clamp), start);
    out.ends.set(argmaxRows(weights), start);
    // ‖p‖ of the separation's output (the official β·Sep(s) is divided back by β)
    const separated = spec.betaPlacement === 'output' ? tf.div(weights, spec.beta) : tf.clone(weights);
    out.sizes.set(supportSizes(separated as tf.Tensor2D, supportThreshold(config, model)), start);
    const converged = convergence(states, context.memories, targets, config.metrics.convergedRadius, context.memoryValues);
    for (const key of ['target', 'other', 'none'] as const) out.converged[key] += (converged[key] * size) / count;
    tf.dispose([states, weights, targetRows, separated]);
    if (queries !== context.queries) queries.dispose();
  }
  return out;
}

function evaluateModel(model: ModelSpec, spec: RetrievalSpec, space: FeatureSpace, context: CellContext): ModelResult {
  const { config, cell, stage } = context;
  const started = performance.now();
  const featureDim = cell.featureDim ?? context.dim;
  const outcome = retrieveInBlocks(model, spec, space, context);
  const { errors, sizes, converged, steps, badStep } = outcome;
  const scale = median(Array.from(outcome.gaps));
  const ends = summarizeEnds(outcome.ends, context.targets, context.nearest, context.memoryLabels);
  const trace: TraceRow[] = outcome.perStep.map((slot, i) => ({
    model: model.name,
    M: cell.memories,
    seed: cell.seed,
    featureDim,
    step: i + 1,
    energy: slot.energy / slot.count,
    change: slot.change / slot.count,
  }));
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
    stepsUsed: steps,
    metastableShare: sizes.filter((size) => size > 1).length / sizes.length,
    supportMean: sizes.reduce((a, b) => a + b, 0) / sizes.length,
    convergedTarget: converged.target,
    convergedOther: converged.other,
    notConverged: converged.none,
    supportHistogram: supportHistogram(sizes),
  };
  const timing = { model: model.name, M: cell.memories, seed: cell.seed, stageIMs: learned ? stage.ms : 0, retrievalMs: performance.now() - started };
  const queries: QueryRow[] = config.metrics.perQuery
    ? Array.from(errors, (error, q) => ({
        model: model.name,
        M: cell.memories,
        seed: cell.seed,
        featureDim,
        query: q,
        queryIndex: context.queryIndices[q],
        targetIndex: context.memoryIndices[context.targets[q]],
        endIndex: context.memoryIndices[ends.ends[q]],
        error,
        support: sizes[q],
      }))
    : [];
  return { record, timing, trace, queries };
}
