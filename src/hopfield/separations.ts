/**
 * Separation maps Sep: scores (Q × M) → memory weights p, row by row, one function per config
 * name. softmax, sparsemax and 1.5-entmax sum to 1; poly is the official unnormalised s^n.
 */
import * as tf from '@tensorflow/tfjs';
import type { SeparationName } from '../config/schema.ts';
import { applySeparationPlugin, type PluginSet } from '../plugins/contract.ts';

export interface SeparationOptions {
  /** poly only: the power n. */
  degree: number;
  /** entmax only: α > 1 (α = 1 is softmax). */
  alpha?: number;
  /** Uniform draws in [0, 1) for random maps (plugins), from the cell's stream for the model. */
  random?: () => number;
}

export type Separation = (scores: tf.Tensor2D, options: SeparationOptions) => tf.Tensor2D;

const softmax: Separation = (scores) => tf.softmax(scores);

type ThresholdRule = (sorted: Float64Array) => number;

/** Sparsemax's τ from the row's candidates sorted descending: k = #{j : 1 + j·z_(j) > Σ_{r≤j} z_(r)}, τ = (Σ_{r≤k} z_(r) − 1)/k. */
const sparsemaxThreshold: ThresholdRule = (sorted) => {
  const cumulative = new Float64Array(sorted.length);
  let sum = 0;
  let k = 0;
  for (let j = 1; j <= sorted.length; j++) {
    sum += sorted[j - 1];
    cumulative[j - 1] = sum;
    if (1 + j * sorted[j - 1] > sum) k++;
  }
  return (cumulative[k - 1] - 1) / k;
};

/**
 * 1.5-entmax's τ (sort-based, Peters, Niculae & Martins 2019): τ_k = mean_k − sqrt(max(0, (1 − k·var_k)/k))
 * over the top k, support = #{k : τ_k ≤ z_(k)}, τ* = τ_support.
 */
const entmax15Threshold: ThresholdRule = (sorted) => {
  const taus = new Float64Array(sorted.length);
  let sum = 0;
  let sumSquares = 0;
  let support = 0;
  for (let k = 1; k <= sorted.length; k++) {
    const value = sorted[k - 1];
    sum += value;
    sumSquares += value * value;
    const mean = sum / k;
    const sumSquaredDeviation = k * (sumSquares / k - mean * mean);
    taus[k - 1] = mean - Math.sqrt(Math.max(0, (1 - sumSquaredDeviation) / k));
    if (taus[k - 1] <= value) support++;
  }
  return taus[support - 1];
};

/**
 * Per row of z (each row's maximum is 0), the threshold τ of p = [z − τ]_+ (sparsemax) or
 * [z − τ]_+² (1.5-entmax). Σp = 1 forces z_(1) − τ ≤ 1, so only entries above −1 can be in the
 * support: only those are sorted (float64), not the whole row as tf.topk did (it was 90 % of a
 * 4096-memory sparsemax run).
 */
function rowThresholds(z: tf.Tensor2D, rule: ThresholdRule): tf.Tensor2D {
  const [rows, width] = z.shape;
  const values = z.dataSync();
  const thresholds = new Float32Array(rows);
  const candidates = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    let count = 0;
    for (let c = 0; c < width; c++) {
      const value = values[r * width + c];
      if (value > -1) candidates[count++] = value;
    }
    // a row of NaN has no candidate: its τ (and so its p) is NaN, as a broken model should show
    thresholds[r] = count === 0 ? NaN : rule(candidates.subarray(0, count).sort().reverse());
  }
  return tf.tensor2d(thresholds, [rows, 1]);
}

/** Sparsemax (Martins & Astudillo 2016): p = max(z − τ, 0) with z = s − max(s). */
const sparsemax: Separation = (scores) =>
  tf.tidy(() => {
    const z = tf.sub(scores, tf.max(scores, 1, true)) as tf.Tensor2D;
    return tf.relu(tf.sub(z, rowThresholds(z, sparsemaxThreshold))) as tf.Tensor2D;
  });

/** Exact 1.5-entmax: p = max(z − τ*, 0)² with z = (s − max s)/2. */
const entmax15: Separation = (scores) =>
  tf.tidy(() => {
    const z = tf.div(tf.sub(scores, tf.max(scores, 1, true)), 2) as tf.Tensor2D;
    return tf.square(tf.relu(tf.sub(z, rowThresholds(z, entmax15Threshold)))) as tf.Tensor2D;
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

/** The separation of a config name: a built-in, else the plugin of that name (names never clash). */
export function separationFor(name: string, plugins?: PluginSet): Separation {
  const builtin = (separations as Record<string, Separation>)[name];
  if (builtin) return builtin;
  const plugin = plugins?.separations.get(name);
  if (!plugin) throw new Error(`no separation "${name}" (built-in or plugin)`);
  return (scores, options) => {
    const [rows, cols] = scores.shape;
    const random = options.random ?? (() => {
      throw new Error('no random stream for this separation');
    });
    return tf.tensor2d(applySeparationPlugin(plugin, scores.dataSync() as Float32Array, rows, cols, { random }), [rows, cols]);
  };
}
