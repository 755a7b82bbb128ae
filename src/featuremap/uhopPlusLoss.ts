/**
 * U-Hop+ separation losses on features Φ(ξ) (rows), both on the normalised features φ̂.
 *
 * coded (official feature_map.py::separation_loss, quirks kept): S = triu(φ̂ · stopgrad(φ̂)ᵀ, 1) and
 *   L = (1/n) · log( Σ_{all n² entries} exp(S_ij/τ) / (n(n−1)/2) ),
 * so the n(n+1)/2 zero entries of S add constant exp(0) = 1 terms, the gradient flows through one
 * factor, and there is no τ prefactor.
 *
 * smooth-max (the paper): L_τ = τ · log Σ_{μ<ν} exp(⟨φ̂_μ, φ̂_ν⟩/τ), a smooth maximum of the pairwise
 * cosines that tends to max cos = 1 − Δ_min as τ → 0.
 */
import { tf } from '../backend/tf.ts';
import { gram, gramStopRight, logSumExpAll, normalizeRows } from '../backend/ops.ts';
import { strictUpperOnes, upperPairs } from './pairs.ts';

export function codedUhopPlusLoss(features: tf.Tensor2D, tau: number): tf.Scalar {
  return tf.tidy(() => {
    const n = features.shape[0];
    const s = tf.mul(gramStopRight(normalizeRows(features)), tf.tensor2d(strictUpperOnes(n), [n, n]));
    const logSum = logSumExpAll(tf.div(s, tau));
    return tf.div(tf.sub(logSum, Math.log((n * (n - 1)) / 2)), n) as tf.Scalar;
  });
}

export function smoothMaxLoss(features: tf.Tensor2D, tau: number): tf.Scalar {
  return tf.tidy(() => tf.mul(logSumExpAll(tf.div(upperPairs(gram(normalizeRows(features))), tau)), tau) as tf.Scalar);
}
