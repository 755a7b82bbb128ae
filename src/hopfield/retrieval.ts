/**
 * Retrieval dynamics x ← Ξ · Sep(β · K(Ξ, x)) with K(Ξ, x) the similarity of x to each memory in
 * a feature space (Eq. 2.4 of U-Hop), for a batch of queries at once. The output lives in pixel
 * space: a combination of the raw memories.
 */
import * as tf from '@tensorflow/tfjs';
import type { SeparationName, SimilarityName } from '../config/schema.ts';
import type { FeatureSpace } from './featureSpace.ts';
import { similarities } from './similarities.ts';
import { separations } from './separations.ts';

export interface RetrievalSpec {
  similarity: SimilarityName;
  separation: SeparationName;
  /** poly only. */
  degree: number;
  steps: number;
  beta: number;
  /** "logits": p = Sep(β·s) (textbook); "output": p = β·Sep(s) (official UHop update rule). */
  betaPlacement: 'output' | 'logits';
  distanceSign: 'positive' | 'negative';
}

export interface RetrievalResult {
  /** Final states x_T (queries × d). */
  states: tf.Tensor2D;
  /** Weights p of the last step (queries × M). */
  weights: tf.Tensor2D;
}

/** What one step produced, as seen by `retrieve`'s afterStep hook (disposed after it). */
export interface StepResult extends RetrievalResult {
  /** The logits that entered Sep at this step. */
  logits: tf.Tensor2D;
}

/** The logits that enter Sep: K(Ξ, x) scaled by β when β is an inverse temperature. */
export function stepLogits(space: FeatureSpace, states: tf.Tensor2D, spec: RetrievalSpec): tf.Tensor2D {
  return tf.tidy(() => {
    const scores = similarities[spec.similarity](space.project(states), space.memories, spec);
    return (spec.betaPlacement === 'logits' ? tf.mul(scores, spec.beta) : scores) as tf.Tensor2D;
  });
}

/** One update step for all queries: returns the new states and the weights p. */
export function retrievalStep(
  memories: tf.Tensor2D,
  space: FeatureSpace,
  states: tf.Tensor2D,
  spec: RetrievalSpec,
): StepResult {
  return tf.tidy(() => {
    const logits = stepLogits(space, states, spec);
    const separated = separations[spec.separation](logits, spec);
    const weights = (spec.betaPlacement === 'output' ? tf.mul(separated, spec.beta) : separated) as tf.Tensor2D;
    return { states: tf.matMul(weights, memories) as tf.Tensor2D, weights, logits };
  });
}

/**
 * T update steps from the queries; the caller owns (and disposes) the result. `afterStep` sees
 * each step's result with its logits (1-based step number), e.g. to stop on non-finite states.
 */
export function retrieve(
  memories: tf.Tensor2D,
  space: FeatureSpace,
  queries: tf.Tensor2D,
  spec: RetrievalSpec,
  afterStep?: (step: number, result: StepResult) => void,
): RetrievalResult {
  let result: RetrievalResult | null = null;
  for (let step = 1; step <= spec.steps; step++) {
    const next = retrievalStep(memories, space, result ? result.states : queries, spec);
    afterStep?.(step, next);
    next.logits.dispose();
    if (result) tf.dispose([result.states, result.weights]);
    result = { states: next.states, weights: next.weights };
  }
  return result!;
}
