/**
 * Retrieval dynamics x ← Ξ · Sep(β · K(Ξ, x)) with K(Ξ, x) the similarity of x to each memory in
 * a feature space (Eq. 2.4 of U-Hop), for a batch of queries at once. The output lives in pixel
 * space: a combination of the raw memories.
 */
import { tf } from '../backend/tf.ts';
import type { FeatureSpace } from './featureSpace.ts';
import type { PluginSet } from '../plugins/contract.ts';
import { similarityFor } from './similarities.ts';
import { separationFor } from './separations.ts';

export interface RetrievalSpec {
  /** A built-in name or a plugin's. */
  similarity: string;
  separation: string;
  /** Names the seeded stream of random separations (cell and model); serialisable, unlike the two below. */
  stream?: Array<string | number>;
  /** Attached where the retrieval runs: the loaded plugins the names may refer to. */
  plugins?: PluginSet;
  /** Attached where the retrieval runs: uniform draws for random separations. */
  random?: () => number;
  /** poly only. */
  degree: number;
  /** entmax only. */
  alpha?: number;
  /** topk only: share of scores kept. */
  topK?: number;
  /** random-mask only: probability that a score is masked. */
  maskP?: number;
  /** topk, random-mask: what a left-out score becomes. */
  maskedScores?: 'zero' | 'excluded';
  steps: number;
  beta: number;
  /** "logits": p = Sep(β·s) (textbook); "output": p = β·Sep(s) (official UHop update rule). */
  betaPlacement: 'output' | 'logits';
  distanceSign: 'positive' | 'negative';
  /** Stop once every query moved less than this (L2) in a step; 0 = run all steps. */
  tolerance?: number;
}

export interface RetrievalResult {
  /** Final states x_T (queries × d). */
  states: tf.Tensor2D;
  /** Weights p of the last step (queries × M). */
  weights: tf.Tensor2D;
  /** Steps run (fewer than spec.steps when the tolerance stopped it). */
  steps?: number;
}

/** What one step produced, as seen by `retrieve`'s afterStep hook (disposed after it). */
export interface StepResult extends RetrievalResult {
  /** The logits that entered Sep at this step (computed from the previous state). */
  logits: tf.Tensor2D;
  /** ‖x_t − x_{t−1}‖ per query. */
  change: tf.Tensor1D;
  /** Φ(x_{t−1}), the features the logits were scored from (the energy's ½K(x, x) reads them). */
  features: tf.Tensor2D;
  /** x_{t−1}, the state the step started from (owned by `retrieve`). */
  from?: tf.Tensor2D;
}

/** The logits that enter Sep: K(Ξ, x) scaled by β when β is an inverse temperature. */
export function stepLogits(space: FeatureSpace, states: tf.Tensor2D, spec: RetrievalSpec): tf.Tensor2D {
  return tf.tidy(() => logitsOf(space, space.project(states), spec));
}

/** stepLogits from the states' features Φ(x). */
function logitsOf(space: FeatureSpace, features: tf.Tensor2D, spec: RetrievalSpec): tf.Tensor2D {
  const scores = similarityFor(spec.similarity, spec.plugins)(features, space.memories, spec);
  return (spec.betaPlacement === 'logits' ? tf.mul(scores, spec.beta) : scores) as tf.Tensor2D;
}

/**
 * Φ(x) of some states and the logits scored from them. Models that differ only after the scores
 * (their separation, say) share those of their first step: the same product of the same values.
 */
export interface StepScores {
  features: tf.Tensor2D;
  logits: tf.Tensor2D;
}

/** The first step's scores of the queries (the caller owns them). */
export function queryScores(space: FeatureSpace, queries: tf.Tensor2D, spec: RetrievalSpec): StepScores {
  return tf.tidy(() => {
    const features = space.project(queries);
    return { features, logits: logitsOf(space, features, spec) };
  });
}

/**
 * One update step for all queries: the new states, the weights p, the logits (and their features)
 * and each query's move. With `scores` (the states' own, from queryScores), those are used, not
 * computed again, and the result's logits and features are copies the caller may dispose.
 */
export function retrievalStep(
  memories: tf.Tensor2D,
  space: FeatureSpace,
  states: tf.Tensor2D,
  spec: RetrievalSpec,
  scores?: StepScores,
): StepResult {
  return tf.tidy(() => {
    const features = scores ? tf.clone(scores.features) : space.project(states);
    const logits = scores ? tf.clone(scores.logits) : logitsOf(space, features, spec);
    const separated = separationFor(spec.separation, spec.plugins)(logits, spec);
    const weights = (spec.betaPlacement === 'output' ? tf.mul(separated, spec.beta) : separated) as tf.Tensor2D;
    const next = tf.matMul(weights, memories) as tf.Tensor2D;
    const change = tf.sqrt(tf.sum(tf.square(tf.sub(next, states)), 1)) as tf.Tensor1D;
    return { states: next, weights, logits, change, features };
  });
}

/**
 * Up to T update steps from the queries, fewer when every query moves less than spec.tolerance; the
 * caller owns (and disposes) the result. `afterStep` sees each step's result (1-based step number).
 * `first`: the queries' scores from queryScores, computed once for several models (kept by the caller).
 */
export function retrieve(
  memories: tf.Tensor2D,
  space: FeatureSpace,
  queries: tf.Tensor2D,
  spec: RetrievalSpec,
  afterStep?: (step: number, result: StepResult) => void,
  first?: StepScores,
): RetrievalResult {
  let result: RetrievalResult | null = null;
  let step = 0;
  while (step < spec.steps) {
    step++;
    const from = result ? result.states : queries;
    const next = retrievalStep(memories, space, from, spec, step === 1 ? first : undefined);
    afterStep?.(step, { ...next, from });
    const largestMove = tf.max(next.change);
    const settled = (spec.tolerance ?? 0) > 0 && largestMove.dataSync()[0] < spec.tolerance!;
    largestMove.dispose();
    tf.dispose([next.logits, next.change, next.features]);
    if (result) tf.dispose([result.states, result.weights]);
    result = { states: next.states, weights: next.weights };
    if (settled) break;
  }
  return { ...result!, steps: step };
}
