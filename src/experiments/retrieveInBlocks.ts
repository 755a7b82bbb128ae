/**
 * The retrieval of one model over a cell's queries, in row blocks when queries × memories is large.
 * A block is a job of its own (`retrieveBlock`), so the blocks of a big cell can run on several
 * worker threads; `mergeBlocks` puts the blocks together in block order, so the numbers do not
 * depend on where (or in which order) the blocks ran.
 */
import { tf } from '../backend/tf.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import type { ModelSpec } from '../config/schema.ts';
import { copyRows } from '../backend/rows.ts';
import type { FeatureSpace } from '../hopfield/featureSpace.ts';
import { queryScores, retrieve, type RetrievalSpec, type StepScores } from '../hopfield/retrieval.ts';
import { hasEnergy, meanEnergy } from '../hopfield/energy.ts';
import { errorPerQuery } from '../metrics/retrievalError.ts';
import { allFinite, argmaxRows, logitGaps } from '../metrics/diagnostics.ts';
import { convergence, supportSizes } from '../metrics/metastable.ts';
import { rngFor } from '../random/prng.ts';
import { CellFailure } from './records.ts';
import { PluginError, type PluginSet } from '../plugins/contract.ts';

/** ‖p‖ threshold: "auto" is 0.01 for dense maps (the softmax family, poly, plugins unless sparse) and exact non-zeros for sparse ones. */
export function supportThreshold(config: ResolvedConfig, model: ModelSpec, plugins: PluginSet): number {
  const setting = config.metrics.supportThreshold;
  if (setting !== 'auto') return setting;
  const plugin = plugins.separations.get(model.separation);
  if (plugin) return plugin.sparse ? 0 : 0.01;
  const dense = ['softmax', 'poly', 'topk', 'random-mask', 'softmax1'].includes(model.separation) || (model.separation === 'entmax' && model.alpha === 1);
  return dense ? 0.01 : 0;
}

/**
 * The spec a block runs with: the plugins, and the random draws of a random separation from the
 * block's own stream (cell, model, first query), so the draws do not depend on where or in which
 * order the blocks run.
 */
function blockSpec(spec: RetrievalSpec, plugins: PluginSet, start: number): RetrievalSpec {
  const rng = spec.stream ? rngFor(...spec.stream, 'separation', start) : null;
  return { ...spec, plugins, random: rng ? () => rng.next() : undefined };
}

/** What a block of queries needs besides its rows: the settings of the model and the metrics. */
export interface BlockSettings {
  /** The model's name, for the message of a plugin that fails. */
  model: string;
  /** Plain data (it travels to other workers): the plugins and random draws are attached where the block runs. */
  spec: RetrievalSpec;
  supportThreshold: number;
  clamp: boolean;
  convergedRadius: number;
}

/** The cell's data a block reads: memories (tensor and values), the space, all queries and targets. */
export interface BlockInputs {
  memories: tf.Tensor2D;
  memoryValues: Float32Array;
  space: FeatureSpace;
  dim: number;
  queryValues: Float32Array;
  targets: Int32Array;
  plugins: PluginSet;
}

/** What the queries of one model (or of one block of them) produced. */
export interface QueryOutcome {
  errors: Float32Array;
  ends: Int32Array;
  sizes: Int32Array;
  gaps: Float32Array;
  /** Shares of the block's queries converged to their target, to another memory, to none. */
  converged: { target: number; other: number; none: number };
  steps: number;
  /** First step with a non-finite state or weight, 0 when none. */
  badStep: number;
  /** Per step: sums over the queries of energy and move, and how many queries ran that step. */
  perStep: Array<{ energy: number; change: number; count: number }>;
  /** Wall time (summed over the blocks). */
  ms: number;
}

/** What one block of queries produced: its first query's position, and the outcome of its queries. */
export interface BlockOutcome extends QueryOutcome {
  start: number;
}

/** An outcome of `count` queries with nothing in it yet. */
function emptyOutcome(count: number): QueryOutcome {
  return {
    errors: new Float32Array(count),
    ends: new Int32Array(count),
    sizes: new Int32Array(count),
    gaps: new Float32Array(count),
    converged: { target: 0, other: 0, none: 0 },
    steps: 0,
    badStep: 0,
    perStep: [],
    ms: 0,
  };
}

/**
 * Retrieval and metrics of queries start … start + size − 1 for each of `models`, one outcome
 * each, in their order. Models of one job differ only after their first step's scores (see
 * evaluateModel's scoreGroups): those are computed once, the same product of the same values each
 * model would have made. A failing plugin fails the cell, named.
 */
export function retrieveBlock(inputs: BlockInputs, models: BlockSettings[], block: { start: number; size: number }): BlockOutcome[] {
  const { start, size } = block;
  const { dim } = inputs;
  const queries = tf.tensor2d(inputs.queryValues.subarray(start * dim, (start + size) * dim), [size, dim]);
  let first: StepScores | undefined;
  try {
    const started = performance.now();
    if (models.length > 1) first = naming(models[0], () => queryScores(inputs.space, queries, { ...models[0].spec, plugins: inputs.plugins }));
    const sharedMs = performance.now() - started;
    return models.map((settings, i) => {
      const out = naming(settings, () => retrieveBlockOf(inputs, settings, block, queries, first));
      if (i === 0) out.ms += sharedMs; // the shared scores counted with the first model
      return out;
    });
  } finally {
    queries.dispose();
    if (first) tf.dispose([first.features, first.logits]);
  }
}

/** `run`, with a plugin's failure turned into the cell's, naming the model. */
function naming<T>(settings: BlockSettings, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof PluginError) throw new CellFailure(`model "${settings.model}": ${error.message}`);
    throw error;
  }
}

function retrieveBlockOf(inputs: BlockInputs, settings: BlockSettings, block: { start: number; size: number }, queries: tf.Tensor2D, first?: StepScores): BlockOutcome {
  const started = performance.now();
  const { start, size } = block;
  const spec = blockSpec(settings.spec, inputs.plugins, start);
  const { dim, space } = inputs;
  const out: BlockOutcome = { start, ...emptyOutcome(size) };
  const withEnergy = hasEnergy(spec);
  const targets = inputs.targets.subarray(start, start + size);
  const { states, weights, steps } = retrieve(inputs.memories, space, queries, spec, (step, result) => {
    if (step === 1) out.gaps.set(logitGaps(result.logits));
    if (!(allFinite(result.states) && allFinite(result.weights)) && (out.badStep === 0 || step < out.badStep)) out.badStep = step;
    const change = tf.sum(result.change);
    const energy = withEnergy && result.from ? meanEnergy(space, result.from, result.logits, spec, result.weights, result.features) * size : NaN;
    out.perStep[step - 1] = { energy, change: change.dataSync()[0], count: size };
    change.dispose();
  }, first);
  out.steps = steps ?? spec.steps;
  const targetRows = tf.tensor2d(copyRows(inputs.memoryValues, dim, targets), [size, dim]);
  out.errors.set(errorPerQuery(targetRows, states, settings.clamp));
  out.ends.set(argmaxRows(weights));
  // ‖p‖ of the separation's output (the official β·Sep(s) is divided back by β)
  const separated = spec.betaPlacement === 'output' ? tf.div(weights, spec.beta) : tf.clone(weights);
  out.sizes.set(supportSizes(separated as tf.Tensor2D, settings.supportThreshold));
  out.converged = convergence(states, inputs.memories, targets, settings.convergedRadius, inputs.memoryValues);
  tf.dispose([states, weights, targetRows, separated]);
  out.ms = performance.now() - started;
  return out;
}

/** The blocks of one model, in block order, as one outcome over all `count` queries. */
export function mergeBlocks(count: number, blocks: BlockOutcome[]): QueryOutcome {
  const out = emptyOutcome(count);
  for (const block of [...blocks].sort((a, b) => a.start - b.start)) {
    const size = block.errors.length;
    out.errors.set(block.errors, block.start);
    out.ends.set(block.ends, block.start);
    out.sizes.set(block.sizes, block.start);
    out.gaps.set(block.gaps, block.start);
    for (const key of ['target', 'other', 'none'] as const) out.converged[key] += (block.converged[key] * size) / count;
    out.steps = Math.max(out.steps, block.steps);
    if (block.badStep > 0 && (out.badStep === 0 || block.badStep < out.badStep)) out.badStep = block.badStep;
    block.perStep.forEach((step, i) => {
      const slot = (out.perStep[i] ??= { energy: 0, change: 0, count: 0 });
      slot.energy += step.energy;
      slot.change += step.change;
      slot.count += step.count;
    });
    out.ms += block.ms;
  }
  return out;
}
