/**
 * Evaluating the models of a cell: the space and retrieval settings each model uses, the
 * temperature-matched controls after the models they match, and the record of one model.
 */
import { median } from 'simple-statistics';
import type { ResolvedConfig } from '../config/parity.ts';
import type { ModelSpec } from '../config/schema.ts';
import type { FeatureSpace } from '../hopfield/featureSpace.ts';
import type { RetrievalSpec } from '../hopfield/retrieval.ts';
import { meanOf, successRate } from '../metrics/retrievalError.ts';
import { summarizeEnds } from '../metrics/diagnostics.ts';
import { supportHistogram } from '../metrics/metastable.ts';
import type { CellContext } from './cellContext.ts';
import { temperatureFor } from './temperatureMatch.ts';
import { retrieveInBlocks } from './retrieveInBlocks.ts';
import { CellFailure, type CellResult, type ModelRecord, type ModelTiming, type QueryRow, type TraceRow } from './records.ts';

export type { CellContext } from './cellContext.ts';

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

interface ModelResult {
  record: ModelRecord;
  timing: ModelTiming;
  trace: TraceRow[];
  queries: QueryRow[];
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
  const timing = { model: model.name, M: cell.memories, seed: cell.seed, featureDim, stageIMs: learned ? stage.ms : 0, retrievalMs: performance.now() - started };
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
