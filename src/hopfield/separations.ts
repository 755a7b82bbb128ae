/**
 * Separation maps Sep: scores (Q × M) → memory weights p, row by row, one function per config
 * name. softmax, sparsemax and 1.5-entmax sum to 1; poly is the official unnormalised s^n; topk,
 * random-mask and softmax1 are the official code's other activations (functions.py).
 */
import { tf } from '../backend/tf.ts';
import type { SeparationName } from '../config/schema.ts';
import { peekValues } from '../backend/heap.ts';
import { applySeparationPlugin, type PluginSet } from '../plugins/contract.ts';

export interface SeparationOptions {
  /** poly only: the power n. */
  degree: number;
  /** entmax only: α > 1 (α = 1 is softmax). */
  alpha?: number;
  /** Uniform draws in [0, 1) for random maps (random-mask, plugins), from the cell's stream for the model. */
  random?: () => number;
  /** topk only: share of the M scores kept. */
  topK?: number;
  /** random-mask only: probability that a score is masked. */
  maskP?: number;
  /** topk, random-mask: a left-out score is set to 0 before the softmax (official) or gets weight 0. */
  maskedScores?: 'zero' | 'excluded';
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
  // read in place: nothing below makes a tensor before the loop is done
  const values = peekValues(z);
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

/** Bisection iterations of α-entmax: the bracket has width < 1, so 52 halvings reach float64 precision. */
const ENTMAX_ITERATIONS = 52;

/** x^power for x ≥ 0, with the exact forms of the common powers (α = 2, 1.5, 3). */
function powerOf(power: number): (x: number) => number {
  if (power === 1) return (x) => x;
  if (power === 2) return (x) => x * x;
  if (power === 0.5) return Math.sqrt;
  return (x) => x ** power;
}

/**
 * One row of α-entmax in float64: z = (α−1)(s − max s) has its maximum at 0, so τ ∈ [−1, −K^{1−α}]
 * where K counts the entries above −1, the only ones that can be in the support (at τ = −1 the
 * maximum alone gives Σp ≥ 1, at τ = −K^{1−α} each of the K gives at most 1/K).
 */
function entmaxRow(scores: Float32Array, alpha: number, out: Float32Array): void {
  let max = -Infinity;
  for (const value of scores) if (value > max) max = value;
  const z = new Float64Array(scores.length);
  const candidates: number[] = [];
  for (let c = 0; c < scores.length; c++) {
    z[c] = (alpha - 1) * (scores[c] - max);
    if (z[c] > -1) candidates.push(z[c]);
  }
  // a row of NaN has no candidate: its p is NaN, as a broken model should show
  if (candidates.length === 0) return void out.fill(NaN);
  const power = powerOf(1 / (alpha - 1));
  let lo = -1;
  let step = -(candidates.length ** (1 - alpha)) - lo;
  for (let i = 0; i < ENTMAX_ITERATIONS; i++) {
    step /= 2;
    const mid = lo + step;
    let total = 0;
    for (const value of candidates) if (value > mid) total += power(value - mid);
    if (total >= 1) lo = mid;
  }
  // renormalised, as the entmax package does, but in float64
  let sum = 0;
  const p = new Float64Array(scores.length);
  for (let c = 0; c < z.length; c++) {
    if (z[c] > lo) {
      p[c] = power(z[c] - lo);
      sum += p[c];
    }
  }
  for (let c = 0; c < z.length; c++) out[c] = p[c] / sum;
}

/**
 * General α-entmax (Peters et al. 2019) by bisection: p_i = [(α−1)z_i − τ]_+^{1/(α−1)} with τ such
 * that Σp = 1, each row in float64 (a float32 tf.sum over a row of 5,000 was off 1 by 7.5e-5 on
 * wasm). α = 1 is softmax.
 */
const entmax: Separation = (scores, options) => {
  const alpha = options.alpha ?? 1.5;
  if (alpha === 1) return tf.softmax(scores);
  const [rows, width] = scores.shape;
  const values = peekValues(scores);
  const p = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) entmaxRow(values.subarray(r * width, (r + 1) * width), alpha, p.subarray(r * width, (r + 1) * width));
  return tf.tensor2d(p, [rows, width]);
};

/** Official "poly-10": p = s^n with no normalisation (Krotov–Hopfield polynomial energy). */
const poly: Separation = (scores, options) => tf.pow(scores, tf.scalar(options.degree)) as tf.Tensor2D;

/**
 * Softmax of the scores with some of them left out, row by row: `keep` marks the kept entries of
 * one row. "zero": a left-out score becomes 0 and stays in the softmax with weight e⁰/Z, and a kept
 * one is multiplied by `scale` (official topk_k and random_mask_p = softmax(torch.dropout(s))).
 * "excluded": left-out entries get weight 0, kept ones a softmax among themselves; a row with
 * nothing kept gets weight 0 everywhere (no memory is retrieved).
 */
function maskedSoftmax(scores: tf.Tensor2D, mode: 'zero' | 'excluded', scale: number, keep: (row: Float32Array, kept: Uint8Array) => void): tf.Tensor2D {
  const [rows, cols] = scores.shape;
  const values = scores.dataSync() as Float32Array;
  const masked = new Float32Array(rows * cols);
  const empty = new Float32Array(rows);
  const kept = new Uint8Array(cols);
  for (let r = 0; r < rows; r++) {
    kept.fill(0);
    keep(values.subarray(r * cols, (r + 1) * cols), kept);
    let any = false;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      masked[i] = kept[c] ? values[i] * scale : mode === 'zero' ? 0 : -Infinity;
      any ||= kept[c] === 1;
    }
    if (mode === 'excluded' && !any) {
      masked.fill(0, r * cols, (r + 1) * cols);
      empty[r] = 1;
    }
  }
  return tf.tidy(() => {
    const p = tf.softmax(tf.tensor2d(masked, [rows, cols]));
    return (empty.some((e) => e === 1) ? tf.mul(p, tf.sub(1, tf.tensor2d(empty, [rows, 1]))) : p) as tf.Tensor2D;
  });
}

/**
 * Top-k softmax (official topk_20/50/80): the k = ⌊topK·M⌋ largest scores of each row are kept
 * (ties: the lower index first), as `int(0.2 * len(x))` in functions.py. With "excluded" at least
 * one score is kept.
 */
const topk: Separation = (scores, options) => {
  const share = options.topK ?? 1;
  const mode = options.maskedScores ?? 'excluded';
  const cols = scores.shape[1];
  const count = mode === 'excluded' ? Math.max(1, Math.floor(share * cols)) : Math.floor(share * cols);
  const order = new Int32Array(cols);
  return maskedSoftmax(scores, mode, 1, (row, kept) => {
    for (let c = 0; c < cols; c++) order[c] = c;
    order.sort((a, b) => row[b] - row[a] || a - b);
    for (let j = 0; j < count; j++) kept[order[j]] = 1;
  });
};

/**
 * Random-mask softmax (official random_mask_02/05/08 = softmax(torch.dropout(s, p, train=True))):
 * each score is masked with probability maskP, anew for every query and step. "zero": masked
 * scores become 0 and kept ones are scaled by 1/(1 − p) as dropout does; "excluded": no rescale.
 */
const randomMask: Separation = (scores, options) => {
  const p = options.maskP ?? 0;
  const mode = options.maskedScores ?? 'excluded';
  const random = options.random;
  if (!random) throw new Error('random-mask needs the cell\'s random stream');
  return maskedSoftmax(scores, mode, mode === 'zero' ? 1 / (1 - p) : 1, (row, kept) => {
    for (let c = 0; c < row.length; c++) kept[c] = random() < p ? 0 : 1;
  });
};

/**
 * softmax₁ (official softmax_1): p_i = exp(s_i)/(1 + Σ_j exp(s_j)), softmax with an extra zero
 * logit, so Σp < 1. Shifted by c = max(max_j s_j, 0): numerator exp(s_i − c), denominator
 * exp(−c) + Σ_j exp(s_j − c), finite for every row.
 */
const softmax1: Separation = (scores) =>
  tf.tidy(() => {
    const shift = tf.maximum(tf.max(scores, 1, true), 0);
    const numerator = tf.exp(tf.sub(scores, shift));
    return tf.div(numerator, tf.add(tf.sum(numerator, 1, true), tf.exp(tf.neg(shift)))) as tf.Tensor2D;
  });

export const separations: Record<SeparationName, Separation> = {
  softmax,
  sparsemax,
  entmax15,
  entmax,
  poly,
  topk,
  'random-mask': randomMask,
  softmax1,
};

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
