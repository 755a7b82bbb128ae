/**
 * Energy of a state where it is defined in closed form: the dense (softmax) modern Hopfield energy
 * E(x) = ½ K(x, x) − (1/β) log Σ_μ exp(β K(ξ_μ, x)), K the dot product in the model's feature space
 * (Ramsauer et al.; the kernelised E_K of U-Hop, Eq. 2.2, with Ψ* = lse).
 */
import * as tf from '@tensorflow/tfjs';
import type { FeatureSpace } from './featureSpace.ts';
import type { RetrievalSpec } from './retrieval.ts';

/** Whether `energyOf` applies to this model: softmax on dot-product logits β·K. */
export function hasEnergy(spec: RetrievalSpec): boolean {
  return spec.separation === 'softmax' && spec.similarity === 'dot' && (spec.betaPlacement === 'logits' || spec.beta === 1);
}

/** Mean energy over the states, from the logits β·K(Ξ, x) already computed for them. */
export function meanEnergy(space: FeatureSpace, states: tf.Tensor2D, logits: tf.Tensor2D, beta: number): number {
  const value = tf.tidy(() => {
    const features = space.project(states);
    const selfSimilarity = tf.mul(tf.sum(tf.square(features), 1), 0.5);
    return tf.mean(tf.sub(selfSimilarity, tf.div(tf.logSumExp(logits, 1), beta)));
  });
  const energy = value.dataSync()[0];
  value.dispose();
  return energy;
}
