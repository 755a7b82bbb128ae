/**
 * Energy of a state for the (generalised sparse) modern Hopfield models with dot-product scores
 * K in the model's feature space: E(x) = ½ K(x, x) − Ψ*_α(β K(Ξ, x))/β, with Ψ*_α the convex
 * conjugate of the negative Tsallis α-entropy, Ψ*_α(z) = ⟨p, z⟩ + H_α(p) at p = α-entmax(z)
 * (Ramsauer et al. 2020; Hu et al. 2023; the kernelised E_K of U-Hop, Eq. 2.2). For softmax
 * (α = 1, Shannon entropy) Ψ* is log-sum-exp; sparsemax is α = 2, H_2(p) = (1 − Σp²)/2.
 */
import { tf } from '../backend/tf.ts';
import type { FeatureSpace } from './featureSpace.ts';
import type { RetrievalSpec } from './retrieval.ts';
import { separationFor } from './separations.ts';

/** α of the model's separation map, null when it has no Tsallis-entropy energy (poly, plugins). */
function alphaOf(spec: RetrievalSpec): number | null {
  const alphas: Record<string, number> = { softmax: 1, entmax15: 1.5, sparsemax: 2, entmax: spec.alpha ?? 1.5 };
  return alphas[spec.separation] ?? null;
}

/** Whether the energy is defined: an entmax-family map on dot-product logits β·K. */
export function hasEnergy(spec: RetrievalSpec): boolean {
  return alphaOf(spec) !== null && spec.similarity === 'dot' && (spec.betaPlacement === 'logits' || spec.beta === 1);
}

/** Tsallis α-entropy of each row of p (Shannon for α = 1). */
function tsallisEntropy(p: tf.Tensor2D, alpha: number): tf.Tensor1D {
  if (alpha === 1) return tf.neg(tf.sum(tf.mul(p, tf.log(tf.maximum(p, 1e-30))), 1)) as tf.Tensor1D;
  // p^α through a product where α allows it: tf.pow is a slow transcendental on wasm
  const powered = alpha === 2 ? tf.square(p) : alpha === 1.5 ? tf.mul(p, tf.sqrt(p)) : tf.pow(p, alpha);
  return tf.div(tf.sub(1, tf.sum(powered, 1)), alpha * (alpha - 1)) as tf.Tensor1D;
}

/**
 * Ψ*_α(z) of each row of the logits z = β·K(Ξ, x): log-sum-exp for softmax, ⟨p, z⟩ + H_α(p) at
 * p = α-entmax(z) otherwise (p passed in when the caller has it). Null α (poly): no conjugate.
 */
export function conjugates(logits: tf.Tensor2D, spec: RetrievalSpec, weights?: tf.Tensor2D): tf.Tensor1D {
  const alpha = alphaOf(spec);
  if (alpha === null) throw new Error(`separation "${spec.separation}" has no Tsallis-entropy energy`);
  return tf.tidy(() => {
    if (alpha === 1) return tf.logSumExp(logits, 1) as tf.Tensor1D;
    const p = weights ?? separationFor(spec.separation, spec.plugins)(logits, spec);
    return tf.add(tf.sum(tf.mul(p, logits), 1), tsallisEntropy(p, alpha)) as tf.Tensor1D;
  });
}

/**
 * E(x) = ½K(x, x) − Ψ*_α(z)/β of each state, from its logits z (and p = Sep(z) and the features
 * Φ(x) the logits came from, when the caller has them: a second Φ(x) was a Q × d × D_Φ product).
 */
export function stateEnergies(space: FeatureSpace, states: tf.Tensor2D, logits: tf.Tensor2D, spec: RetrievalSpec, weights?: tf.Tensor2D, features?: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    features ??= space.project(states);
    const selfSimilarity = tf.mul(tf.sum(tf.square(features), 1), 0.5);
    return tf.sub(selfSimilarity, tf.div(conjugates(logits, spec, weights), spec.beta)) as tf.Tensor1D;
  });
}

/**
 * Mean energy over the states, from the logits z = β·K(Ξ, x) already computed for them and, when
 * the caller has them, p = Sep(z) (saves a second sparsemax / entmax) and the features Φ(x).
 */
export function meanEnergy(space: FeatureSpace, states: tf.Tensor2D, logits: tf.Tensor2D, spec: RetrievalSpec, weights?: tf.Tensor2D, features?: tf.Tensor2D): number {
  if (alphaOf(spec) === null) return NaN;
  const value = tf.tidy(() => tf.mean(stateEnergies(space, states, logits, spec, weights, features)));
  const energy = value.dataSync()[0];
  value.dispose();
  return energy;
}
