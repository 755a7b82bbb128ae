/**
 * Diagnostics that tell separation gains from temperature gains: how large the logits are, how
 * long the features are, how spread the memories are, and where retrieval ends.
 */
import * as tf from '@tensorflow/tfjs';
import { median } from 'simple-statistics';
import { matMulTransposed, normalizeRows } from '../backend/ops.ts';

/** Median over queries (rows) of the gap between the largest and second-largest logit. */
export function logitScale(logits: tf.Tensor2D): number {
  if (logits.shape[1] < 2) return NaN;
  const top = tf.topk(logits, 2);
  const gaps = tf.sub(tf.slice(top.values, [0, 0], [-1, 1]), tf.slice(top.values, [0, 1], [-1, 1]));
  const values = Array.from(gaps.dataSync());
  tf.dispose([top.values, top.indices, gaps]);
  return median(values);
}

/** Mean and largest L2 norm of the rows. */
export function rowNorms(rows: tf.Tensor2D): { mean: number; max: number } {
  const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(rows), 1)));
  const values = norms.dataSync();
  norms.dispose();
  let sum = 0;
  let max = 0;
  for (const v of values) {
    sum += v;
    max = Math.max(max, v);
  }
  return { mean: sum / values.length, max };
}

/** Δ_min = min_{μ≠ν}(1 − cos) and the mean cosine over pairs μ < ν. */
export function pairGeometry(rows: tf.Tensor2D): { deltaMin: number; meanCosine: number } {
  const n = rows.shape[0];
  const cosines = tf.tidy(() => {
    const unit = normalizeRows(rows);
    return matMulTransposed(unit, unit);
  });
  const values = cosines.dataSync();
  cosines.dispose();
  let largest = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      largest = Math.max(largest, values[i * n + j]);
      sum += values[i * n + j];
    }
  }
  return { deltaMin: 1 - largest, meanCosine: sum / ((n * (n - 1)) / 2) };
}

/** Frobenius norm. */
export function frobeniusNorm(matrix: tf.Tensor): number {
  const norm = tf.tidy(() => tf.sqrt(tf.sum(tf.square(matrix))));
  const value = norm.dataSync()[0];
  norm.dispose();
  return value;
}

/** For each query, the memory nearest to it in input space (Euclidean). */
export function nearestMemories(queries: tf.Tensor2D, memories: tf.Tensor2D): Int32Array {
  const nearest = tf.tidy(() => {
    const cross = matMulTransposed(queries, memories);
    const memorySq = tf.reshape(tf.sum(tf.square(memories), 1), [1, -1]);
    // argmin_μ ‖q − ξ_μ‖² = argmin_μ (‖ξ_μ‖² − 2⟨q, ξ_μ⟩)
    return tf.argMin(tf.sub(memorySq, tf.mul(cross, 2)), 1);
  });
  const values = Int32Array.from(nearest.dataSync());
  nearest.dispose();
  return values;
}

export interface RetrievalEnds {
  /** Share of queries whose final argmax memory is the one the query was built from. */
  target: number;
  /** Share ending at the query's nearest memory in input space. */
  nearest: number;
  /** Share ending at a memory with the query's label (NaN without labels). */
  label: number;
  /** Number of distinct argmax memories over all queries. */
  distinct: number;
  /** Each query's argmax memory. */
  ends: Int32Array;
}

export function retrievalEnds(
  weights: tf.Tensor2D,
  targets: Int32Array,
  nearest: Int32Array,
  memoryLabels: Int32Array | null,
): RetrievalEnds {
  const argmax = tf.argMax(weights, 1);
  const ends = argmax.dataSync();
  argmax.dispose();
  let target = 0;
  let near = 0;
  let label = 0;
  ends.forEach((end, q) => {
    if (end === targets[q]) target++;
    if (end === nearest[q]) near++;
    if (memoryLabels && memoryLabels[end] === memoryLabels[targets[q]]) label++;
  });
  const count = targets.length;
  return {
    target: target / count,
    nearest: near / count,
    label: memoryLabels ? label / count : NaN,
    distinct: new Set(ends).size,
    ends: Int32Array.from(ends),
  };
}

/** Whether every entry is finite (no NaN, no ±Inf). */
export function allFinite(tensor: tf.Tensor): boolean {
  const check = tf.tidy(() => tf.all(tf.isFinite(tensor)));
  const ok = check.dataSync()[0] === 1;
  check.dispose();
  return ok;
}
