/**
 * Evaluating the models of a cell: the space and retrieval settings each model uses, the
 * temperature-matched controls after the models they match, and the record of one model.
 */
import { median } from 'simple-statistics';
import type { ModelSpec } from '../config/schema.ts';
import type { FeatureSpace } from '../hopfield/featureSpace.ts';
import type { RetrievalSpec } from '../hopfield/retrieval.ts';
import { meanOf, successRate } from '../metrics/retrievalError.ts';
import { summarizeEnds } from '../metrics/diagnostics.ts';
import { supportHistogram } from '../metrics/metastable.ts';
import type { CellContext } from './cellContext.ts';
import { temperatureFor } from './temperatureMatch.ts';
import { mergeBlocks, supportThreshold, type BlockInputs, type BlockOutcome, type QueryOutcome } from './retrieveInBlocks.ts';
import { similarities } from '../hopfield/similarities.ts';
import { localRunner, type BlockJob, type BlockRunner, type CellBlocks, type SpaceId } from './blockRunner.ts';
import { rowBlocks } from '../backend/blocks.ts';
import { PluginError } from '../plugins/contract.ts';
import { CellFailure, type CellResult, type ModelRecord, type ModelTiming, type QueryRow, type TraceRow } from './records.ts';

export type { CellContext } from './cellContext.ts';

/** The space a model scores in. */
function spaceIdOf(model: ModelSpec, context: CellContext): SpaceId {
  if (!model.featureMap || !context.stage) return 'pixels';
  return model.control === 'norm-matched' ? 'norm-matched' : 'learned';
}

export function spaceById(id: SpaceId, context: CellContext): FeatureSpace {
  if (id === 'pixels' || !context.stage) return context.pixels;
  return id === 'norm-matched' ? context.stage.normMatched() : context.stage.space;
}

/** What a block of the cell reads, in space `id`: only these fields (nothing of the cell is computed to make them). */
export function blockInputs(context: CellContext, id: SpaceId): BlockInputs {
  const { memories, memoryValues, dim, queryValues, targets, plugins } = context;
  return { memories, memoryValues, space: spaceById(id, context), dim, queryValues, targets, plugins };
}

function specOf(model: ModelSpec, context: CellContext): RetrievalSpec {
  const { config } = context;
  const spec: RetrievalSpec = {
    similarity: model.similarity,
    separation: model.separation,
    degree: model.degree ?? 10,
    alpha: model.alpha,
    topK: model.topK,
    maskP: model.maskP,
    maskedScores: model.maskedScores,
    ...config.retrieval,
    beta: model.beta ?? config.retrieval.beta,
    // random separations draw from (cell, model, query block): see retrieveInBlocks
    stream: [...(context.cell.featureDim ? [context.cell.seed, context.cell.memories, context.cell.featureDim] : [context.cell.seed, context.cell.memories]), model.name],
  };
  // normalised Φ: cosine of unit-norm features, β an inverse temperature (the spherical-code setting)
  if (model.control === 'normalized') return { ...spec, similarity: 'cosine', betaPlacement: 'logits' };
  if (model.control === 'temperature-matched') return { ...spec, betaPlacement: 'logits' };
  return spec;
}

/** The separation column of cells.csv: the name with its parameter where it has one (poly-10, topk-0.2, random-mask-0.5). */
function separationLabel(model: ModelSpec, spec: RetrievalSpec): string {
  if (model.separation === 'poly') return `poly-${spec.degree}`;
  if (model.separation === 'topk') return `topk-${spec.topK}`;
  if (model.separation === 'random-mask') return `random-mask-${spec.maskP}`;
  return model.separation;
}

/**
 * What a model's first step scores, as a key: models with the same one (the same space, built-in
 * similarity, distance sign, and β where β scales the logits) score the queries alike until their
 * separations differ, so their jobs compute those scores once. Null for a plugin similarity.
 */
function firstScoresKey(model: ModelSpec, spec: RetrievalSpec, context: CellContext): string | null {
  if (!Object.hasOwn(similarities, spec.similarity)) return null;
  const beta = spec.betaPlacement === 'logits' ? spec.beta : null;
  return JSON.stringify([spaceIdOf(model, context), spec.similarity, spec.distanceSign, spec.betaPlacement, beta]);
}

type WithSpec = { model: ModelSpec; spec: RetrievalSpec };

/** The models in groups of one first-step key (a group's order: its first model's place), each model alone without a key. */
function scoreGroups(models: WithSpec[], context: CellContext): WithSpec[][] {
  const groups = new Map<string, WithSpec[]>();
  models.forEach((entry, i) => {
    const key = firstScoresKey(entry.model, entry.spec, context) ?? `alone ${i}`;
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  });
  return [...groups.values()];
}

/** The query blocks of a group of models as jobs, all models of a group in each. */
function jobsOf(group: WithSpec[], context: CellContext): BlockJob[] {
  const { config, cell, dim } = context;
  const spaceId = spaceIdOf(group[0].model, context);
  const width = spaceId === 'pixels' ? dim : (cell.featureDim ?? dim);
  const models = group.map(({ model, spec }) => ({ model: model.name, spec, supportThreshold: supportThreshold(config, model, context.plugins), clamp: config.metrics.clamp, convergedRadius: config.metrics.convergedRadius }));
  // per model and step: scores (query × memories × width) and the output Ξp (query × memories × d); then the convergence check
  const perQuery = group.reduce((sum, { spec }) => sum + 2 * cell.memories * ((width + dim) * spec.steps + dim), 0);
  return rowBlocks(context.queries.shape[0], cell.memories).map((block) => ({ spaceId, models, block, flops: perQuery * block.size }));
}

/** Waits for every promise, then throws the first failure: no job of the cell is left running. */
async function settleAll(promises: Array<Promise<void>>): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((p): p is PromiseRejectedResult => p.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Models without a temperature match first, all their blocks at once (their logit scales are the
 * targets), then each temperature-matched control; records in config order. `trainStage` (Stage I,
 * which sets context.stage) runs after the pixel models' blocks are handed out and before the
 * learned-Φ models' are made, so other workers retrieve in pixels while this one trains Φ.
 */
export async function evaluateModels(context: CellContext, runner: BlockRunner = localRunner, trainStage?: () => void): Promise<CellResult> {
  const { config } = context;
  const scales = new Map<string, number>();
  const results = new Map<string, ModelResult>();
  const blocks: CellBlocks = {
    inputs: (id) => blockInputs(context, id),
    share: () => context.share(),
  };
  const run = async (models: WithSpec[]) => {
    const jobs = scoreGroups(models, context).flatMap((group) => jobsOf(group, context));
    const outcomes = await runner.run(jobs, blocks);
    const byModel = new Map<string, BlockOutcome[]>(models.map(({ model }) => [model.name, []]));
    jobs.forEach((job, j) => job.models.forEach((settings, k) => byModel.get(settings.model)!.push(outcomes[j][k])));
    models.forEach(({ model, spec }) => {
      const mine = byModel.get(model.name)!;
      const result = evaluateModel(model, spec, spaceById(spaceIdOf(model, context), context), context, mergeBlocks(context.queries.shape[0], mine));
      scales.set(model.name, result.record.logitScale);
      results.set(model.name, result);
    });
  };
  const withSpecs = (models: ModelSpec[]) => models.map((model) => ({ model, spec: specOf(model, context) }));
  const first = config.models.filter((m) => m.control !== 'temperature-matched');
  if (trainStage) {
    const early = run(withSpecs(first.filter((m) => !m.featureMap)));
    let later: Promise<void>;
    try {
      trainStage();
      // the geometry of the spaces these models score in (M × M products the records need), measured
      // here while other workers may run the pixel models' blocks
      for (const model of first) context.spaceFacts(spaceById(spaceIdOf(model, context), context));
      later = run(withSpecs(first.filter((m) => m.featureMap)));
    } catch (error) {
      later = Promise.reject(error);
    }
    await settleAll([early, later]);
  } else await run(withSpecs(first));
  const defaultReference = config.models.find((m) => m.featureMap && !m.control)?.name;
  for (const model of config.models.filter((m) => m.control === 'temperature-matched')) {
    const spec = specOf(model, context);
    const target = scales.get(model.matchTo ?? defaultReference ?? '') ?? NaN;
    let beta: number;
    try {
      beta = temperatureFor(spaceById(spaceIdOf(model, context), context), context.queries, { ...spec, plugins: context.plugins }, target);
    } catch (error) {
      // a plugin that throws or returns a malformed row fails the cell, named in its record
      if (error instanceof PluginError) throw new CellFailure(`model "${model.name}": ${error.message}`);
      throw error;
    }
    await run([{ model, spec: { ...spec, beta } }]);
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

function evaluateModel(model: ModelSpec, spec: RetrievalSpec, space: FeatureSpace, context: CellContext, outcome: QueryOutcome): ModelResult {
  const { config, cell, stage } = context;
  const started = performance.now() - outcome.ms;
  const featureDim = cell.featureDim ?? context.dim;
  const { errors, sizes, converged, steps, badStep } = outcome;
  const scale = median(Array.from(outcome.gaps));
  const ends = summarizeEnds(outcome.ends, context.targets, context.nearest(), context.memoryLabels);
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
    separation: separationLabel(model, spec),
    featureMap: model.featureMap,
    backend: context.backend,
    control: model.control ?? '',
    beta: spec.beta,
    logitScale: scale,
    wNormInit: learned ? stage.wNormInit : null,
    wNormTrained: learned ? (model.control === 'norm-matched' ? stage.wNormInit : stage.wNormTrained) : null,
    featureNormMean: norms.mean,
    featureNormMax: norms.max,
    deltaMinInit: learned ? stage.deltaMinInit : context.rawGeometry().deltaMin,
    meanCosInit: learned ? stage.meanCosInit : context.rawGeometry().meanCosine,
    meanCos: geometry.meanCosine,
    deltaMinRaw: context.rawGeometry().deltaMin,
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
