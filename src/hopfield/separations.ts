/**
 * Separation maps Sep: scores (Q × M) → memory weights p, row by row, one function per config
 * name. softmax, sparsemax and 1.5-entmax sum to 1; poly is the official unnormalised s^n.
 */
import * as tf from '@tensorflow/tfjs';
import type { SeparationName } from '../config/schema.ts';

export interface SeparationOptions {
  /** poly only: the power n. */
  degree: number;
  /** entmax only: α > 1 (α = 1 is softmax). */
  alpha?: number;
}

type Separation = (scores: tf.Tensor2D, options: SeparationOptions) => tf.Tensor2D;

const softmax: Separation = (scores) => tf.softmax(scores);

/** Value of each row of `table` at column `column[row]`, with columns given as an int32 vector. */
function pickColumn(table: tf.Tensor2D, column: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.mul(table, tf.oneHot(column, table.shape[1])), 1, true) as tf.Tensor2D);
}

/** Rows sorted in descending order, and 1..M as a float row vector. */
function sortedRows(z: tf.Tensor2D): { sorted: tf.Tensor2D; rank: tf.Tensor2D } {
  const width = z.shape[1];
  return { sorted: tf.topk(z, width, true).values as tf.Tensor2D, rank: tf.range(1, width + 1).reshape([1, width]) };
}

/**
 * Sparsemax (Martins & Astudillo 2016): p = max(z − τ, 0), with z sorted descending,
 * k = max{j : 1 + j·z_(j) > Σ_{r≤j} z_(r)} and τ = (Σ_{r≤k} z_(r) − 1)/k; z = s − max(s).
 */
const sparsemax: Separation = (scores) =>
  tf.tidy(() => {
    const z = tf.sub(scores, tf.max(scores, 1, true)) as tf.Tensor2D;
    const { sorted, rank } = sortedRows(z);
    const cumulative = tf.cumsum(sorted, 1) as tf.Tensor2D;
    const inSupport = tf.greater(tf.add(1, tf.mul(rank, sorted)), cumulative);
    const k = tf.sum(tf.cast(inSupport, 'int32'), 1) as tf.Tensor1D;
    const tau = tf.div(tf.sub(pickColumn(cumulative, tf.sub(k, tf.scalar(1, 'int32'))), 1), tf.reshape(tf.cast(k, 'float32'), [-1, 1]));
    return tf.relu(tf.sub(z, tau)) as tf.Tensor2D;
  });

/**
 * Exact 1.5-entmax (Peters, Niculae & Martins 2019, sort-based): with z = (s − max s)/2 sorted
 * descending, τ_k = mean_k − sqrt(max(0, (1 − k·var_k)/k)) over the top k, the support size is
 * #{k : τ_k ≤ z_(k)} and p = max(z − τ*, 0)².
 */
const entmax15: Separation = (scores) =>
  tf.tidy(() => {
    const z = tf.div(tf.sub(scores, tf.max(scores, 1, true)), 2) as tf.Tensor2D;
    const { sorted, rank } = sortedRows(z);
    const mean = tf.div(tf.cumsum(sorted, 1), rank);
    const meanSquare = tf.div(tf.cumsum(tf.square(sorted), 1), rank);
    const sumSquaredDeviation = tf.mul(rank, tf.sub(meanSquare, tf.square(mean)));
    const delta = tf.relu(tf.div(tf.sub(1, sumSquaredDeviation), rank));
    const tau = tf.sub(mean, tf.sqrt(delta)) as tf.Tensor2D;
    const support = tf.sum(tf.cast(tf.lessEqual(tau, sorted), 'int32'), 1) as tf.Tensor1D;
    const tauStar = pickColumn(tau, tf.sub(support, tf.scalar(1, 'int32')));
    return tf.square(tf.relu(tf.sub(z, tauStar))) as tf.Tensor2D;
  });

/** Bisection iterations of α-entmax: the bracket has width ≤ 1, so 40 halvings reach float32 precision. */
const ENTMAX_ITERATIONS = 40;

/**
 * General α-entmax (Peters et al. 2019) by bisection: p_i = [(α−1)z_i − τ]_+^{1/(α−1)} with τ such
 * that Σp = 1, bracketed by max((α−1)z) − 1 ≤ τ ≤ max((α−1)z) − M^{1−α}; renormalised at the end
 * as the entmax package does. α = 1 is softmax.
 */
const entmax: Separation = (scores, options) => {
  const alpha = options.alpha ?? 1.5;
  if (alpha === 1) return tf.softmax(scores);
  return tf.tidy(() => {
    const width = scores.shape[1];
    const z = tf.mul(tf.sub(scores, tf.max(scores, 1, true)), alpha - 1); // max row entry now 0
    let lo = tf.fill([scores.shape[0], 1], -1) as tf.Tensor2D;
    const hi = tf.fill([scores.shape[0], 1], -(width ** (1 - alpha)));
    let step = tf.sub(hi, lo);
    const power = 1 / (alpha - 1);
    for (let i = 0; i < ENTMAX_ITERATIONS; i++) {
      step = tf.div(step, 2);
      const mid = tf.add(lo, step);
      const total = tf.sum(tf.pow(tf.relu(tf.sub(z, mid)), power), 1, true);
      lo = tf.where(tf.greaterEqual(total, 1), mid, lo) as tf.Tensor2D;
    }
    const p = tf.pow(tf.relu(tf.sub(z, lo)), power);
    return tf.div(p, tf.sum(p, 1, true)) as tf.Tensor2D;
  });
};

/** Official "poly-10": p = s^n with no normalisation (Krotov–Hopfield polynomial energy). */
const poly: Separation = (scores, options) => tf.pow(scores, tf.scalar(options.degree)) as tf.Tensor2D;

export const separations: Record<SeparationName, Separation> = { softmax, sparsemax, entmax15, entmax, poly };
