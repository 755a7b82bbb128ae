/**
 * Separation losses of Stage I on features Φ(ξ) (rows), computed on the normalised features
 * φ̂ = Φ(ξ)/‖Φ(ξ)‖ as the official code (F.normalize). For unit vectors ‖φ̂_i − φ̂_j‖² = 2 − 2cos_ij,
 * so both losses are written with the cosine (Gram) matrix: one flag-free matMul.
 */
import * as tf from '@tensorflow/tfjs';
import { gram, normalizeRows } from '../backend/ops.ts';

/** t in exp(−t‖φ̂_i − φ̂_j‖²): the official uniformity loss uses t = 2. */
export const UNIFORMITY_T = 2;

export type SeparationLossName = 'max' | 'average';
export type SeparationLoss = (features: tf.Tensor2D) => tf.Scalar;

/** Boolean mask of the strict upper triangle (pairs i < j). */
function upperTriangle(n: number): tf.Tensor2D {
  return tf.tidy(() => {
    const row = tf.range(0, n, 1, 'int32').reshape([n, 1]);
    const col = tf.range(0, n, 1, 'int32').reshape([1, n]);
    return tf.less(row, col) as tf.Tensor2D;
  });
}

/** −t‖φ̂_i − φ̂_j‖² for pairs i < j, −∞ elsewhere. */
function pairExponents(features: tf.Tensor2D): tf.Tensor2D {
  const n = features.shape[0];
  const cosines = gram(normalizeRows(features));
  const exponents = tf.mul(tf.sub(cosines, 1), 2 * UNIFORMITY_T);
  return tf.where(upperTriangle(n), exponents, tf.fill([n, n], -Infinity)) as tf.Tensor2D;
}

/**
 * Max loss (official `uniform_loss_max`, capacity scripts): max_{i<j} log exp(−t‖φ̂_i − φ̂_j‖²)
 * = −2·min pair distance²; only the closest pair receives gradient.
 */
export const maxSeparationLoss: SeparationLoss = (features) => tf.tidy(() => tf.max(pairExponents(features)) as tf.Scalar);

/**
 * Average loss (Definition 2.2 as coded in `uniform_loss`): log mean_{i<j} exp(−t‖φ̂_i − φ̂_j‖²),
 * the Wang–Isola uniformity loss.
 */
export const averageSeparationLoss: SeparationLoss = (features) =>
  tf.tidy(() => {
    const n = features.shape[0];
    const pairs = (n * (n - 1)) / 2;
    return tf.sub(tf.logSumExp(pairExponents(features)), Math.log(pairs)) as tf.Scalar;
  });

export const separationLosses: Record<SeparationLossName, SeparationLoss> = {
  max: maxSeparationLoss,
  average: averageSeparationLoss,
};
