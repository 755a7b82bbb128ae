/** The retrieval of one model over a cell's queries, in row blocks when queries × memories is large. */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../config/parity.ts';
import type { ModelSpec } from '../config/schema.ts';
import { rowBlocks } from '../backend/blocks.ts';
import { copyRows } from '../backend/rows.ts';
import type { FeatureSpace } from '../hopfield/featureSpace.ts';
import { retrieve, type RetrievalSpec } from '../hopfield/retrieval.ts';
import { hasEnergy, meanEnergy } from '../hopfield/energy.ts';
import { errorPerQuery } from '../metrics/retrievalError.ts';
import { allFinite, argmaxRows, logitGaps } from '../metrics/diagnostics.ts';
import { convergence, supportSizes } from '../metrics/metastable.ts';
import { rngFor } from '../random/prng.ts';
import type { CellContext } from './cellContext.ts';

/** ‖p‖ threshold: "auto" is 0.01 for dense maps (the softmax family, poly, plugins unless sparse) and exact non-zeros for sparse ones. */
function supportThreshold(config: ResolvedConfig, model: ModelSpec, plugins: CellContext['plugins']): number {
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
function blockSpec(spec: RetrievalSpec, plugins: CellContext['plugins'], start: number): RetrievalSpec {
  const rng = spec.stream ? rngFor(...spec.stream, 'separation', start) : null;
  return { ...spec, plugins, random: rng ? () => rng.next() : undefined };
}

/** What the query blocks of one model produce, put together. */
export interface QueryOutcome {
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
export function retrieveInBlocks(model: ModelSpec, modelSpec: RetrievalSpec, space: FeatureSpace, context: CellContext): QueryOutcome {
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
  const withEnergy = hasEnergy(modelSpec);
  for (const { start, size } of blocks) {
    const spec = blockSpec(modelSpec, context.plugins, start);
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
    out.sizes.set(supportSizes(separated as tf.Tensor2D, supportThreshold(config, model, context.plugins)), start);
    const converged = convergence(states, context.memories, targets, config.metrics.convergedRadius, context.memoryValues);
    for (const key of ['target', 'other', 'none'] as const) out.converged[key] += (converged[key] * size) / count;
    tf.dispose([states, weights, targetRows, separated]);
    if (queries !== context.queries) queries.dispose();
  }
  return out;
}
