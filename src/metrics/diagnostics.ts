/**
 * Diagnostics that tell separation gains from temperature gains: how large the logits are, how
 * long the features are, how spread the memories are, and where retrieval ends.
 */
import { tf } from '../backend/tf.ts';
import { median } from 'simple-statistics';
import { matMulTransposed, normalizeRows } from '../backend/ops.ts';
import { rowBlocks } from '../backend/blocks.ts';
import { peekValues } from '../backend/heap.ts';

/**
 * Per query (row), the gap between the largest and second-largest logit. Float32 logits are scanned
 * in place for their two largest values (the values topk gives, ties counted twice) and subtracted
 * in float32, as tf.sub would; a row with a NaN, whose order topk alone defines, hands the whole
 * tensor to topk. (topk had cost 0.15 s per worker in a configs/mnist.json run.)
 */
export function logitGaps(logits: tf.Tensor2D): Float32Array {
  const [rows, columns] = logits.shape;
  if (columns < 2) return new Float32Array(rows).fill(NaN);
  if (logits.dtype === 'float32') {
    const gaps = topTwoGaps(peekValues(logits), rows, columns);
    if (gaps) return gaps;
  }
  const top = tf.topk(logits, 2);
  const gaps = tf.sub(tf.slice(top.values, [0, 0], [-1, 1]), tf.slice(top.values, [0, 1], [-1, 1]));
  const values = gaps.dataSync() as Float32Array;
  tf.dispose([top.values, top.indices, gaps]);
  return values;
}

/** Each row's largest minus second-largest value, rounded to float32; null when a value is NaN. */
function topTwoGaps(values: Float32Array, rows: number, columns: number): Float32Array | null {
  const gaps = new Float32Array(rows);
  for (let row = 0; row < rows; row++) {
    const start = row * columns;
    let first = -Infinity;
    let second = -Infinity;
    for (let k = start; k < start + columns; k++) {
      const value = values[k];
      if (value > second) {
        if (value > first) {
          second = first;
          first = value;
        } else second = value;
      } else if (value !== value) return null;
    }
    gaps[row] = first - second;
  }
  return gaps;
}

/** Median over queries (rows) of the gap between the largest and second-largest logit. */
export function logitScale(logits: tf.Tensor2D): number {
  return median(Array.from(logitGaps(logits)));
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

/**
 * Δ_min = min_{μ≠ν}(1 − cos) and the mean cosine over pairs μ < ν. The closest pair is found on
 * the float32 Gram matrix; its Δ is then recomputed in float64 as ‖û_μ − û_ν‖²/2, so it does not
 * carry the Gram matrix's rounding (which differs between matMul kernels).
 */
export function pairGeometry(rows: tf.Tensor2D): { deltaMin: number; meanCosine: number } {
  const n = rows.shape[0];
  const unit = normalizeRows(rows);
  const unitT = tf.transpose(unit);
  const scan: UpperScan = { largest: -Infinity, i: 0, j: 1, sum: 0 };
  for (const { start, size } of rowBlocks(n, n)) {
    const cosines = tf.tidy(() => tf.matMul(tf.slice(unit, [start, 0], [size, -1]), unitT));
    // read in place, then disposed: no tensor is made while the block is scanned
    scanUpperTriangle(peekValues(cosines), start, size, n, scan);
    cosines.dispose();
  }
  tf.dispose([unit, unitT]);
  return { deltaMin: n < 2 ? NaN : halfUnitDistanceSq(rows, [scan.i, scan.j]), meanCosine: scan.sum / ((n * (n - 1)) / 2) };
}

/** The largest cosine so far (first in row-major order), its pair, and the running sum of the cosines. */
interface UpperScan {
  largest: number;
  i: number;
  j: number;
  sum: number;
}

/**
 * Adds the pairs (start + i, j > start + i) of a block of cosine rows to the scan. A function of
 * its own: inside pairGeometry, with its tfjs calls inlined, the loop was compiled on-stack again
 * at every call (9 compiles of 40 ms in a configs/mnist.json run).
 */
function scanUpperTriangle(values: Float32Array, start: number, size: number, n: number, scan: UpperScan): void {
  let { largest, i: bestI, j: bestJ, sum } = scan;
  for (let i = 0; i < size; i++) {
    for (let j = start + i + 1; j < n; j++) {
      const value = values[i * n + j];
      if (value > largest) {
        largest = value;
        bestI = start + i;
        bestJ = j;
      }
      sum += value;
    }
  }
  Object.assign(scan, { largest, i: bestI, j: bestJ, sum });
}

/** ‖a/‖a‖ − b/‖b‖‖²/2 = 1 − cos(a, b) for rows a, b, in float64. */
function halfUnitDistanceSq(rows: tf.Tensor2D, [a, b]: [number, number]): number {
  const picked = tf.gather(rows, [a, b]);
  const values = picked.dataSync();
  picked.dispose();
  const dim = rows.shape[1];
  let normA = 0;
  let normB = 0;
  for (let k = 0; k < dim; k++) {
    normA += values[k] * values[k];
    normB += values[dim + k] * values[dim + k];
  }
  normA = Math.max(Math.sqrt(normA), 1e-12);
  normB = Math.max(Math.sqrt(normB), 1e-12);
  let distSq = 0;
  for (let k = 0; k < dim; k++) distSq += (values[k] / normA - values[dim + k] / normB) ** 2;
  return distSq / 2;
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
  const values = new Int32Array(queries.shape[0]);
  for (const { start, size } of rowBlocks(queries.shape[0], memories.shape[0])) {
    const nearest = tf.tidy(() => {
      const block = size === queries.shape[0] ? queries : (tf.slice(queries, [start, 0], [size, -1]) as tf.Tensor2D);
      const cross = matMulTransposed(block, memories);
      const memorySq = tf.reshape(tf.sum(tf.square(memories), 1), [1, -1]);
      // argmin_μ ‖q − ξ_μ‖² = argmin_μ (‖ξ_μ‖² − 2⟨q, ξ_μ⟩)
      return tf.argMin(tf.sub(memorySq, tf.mul(cross, 2)), 1);
    });
    values.set(nearest.dataSync(), start);
    nearest.dispose();
  }
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

/** Each query's argmax memory. */
export function argmaxRows(weights: tf.Tensor2D): Int32Array {
  const argmax = tf.argMax(weights, 1);
  const ends = Int32Array.from(argmax.dataSync());
  argmax.dispose();
  return ends;
}

export function retrievalEnds(
  weights: tf.Tensor2D,
  targets: Int32Array,
  nearest: Int32Array,
  memoryLabels: Int32Array | null,
): RetrievalEnds {
  return summarizeEnds(argmaxRows(weights), targets, nearest, memoryLabels);
}

export function summarizeEnds(ends: Int32Array, targets: Int32Array, nearest: Int32Array, memoryLabels: Int32Array | null): RetrievalEnds {
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

/**
 * Whether every entry is finite (no NaN, no ±Inf). Float32 values are scanned in place: tfjs's
 * isFinite + all made a boolean tensor of the whole Q × M weights at every step (0.45 s of CPU in
 * the 5,000-memory cell).
 */
export function allFinite(tensor: tf.Tensor): boolean {
  if (tensor.dtype === 'float32') return everyFinite(peekValues(tensor));
  const check = tf.tidy(() => tf.all(tf.isFinite(tensor)));
  const ok = check.dataSync()[0] === 1;
  check.dispose();
  return ok;
}

/**
 * Whether the float64 sum of the values is finite: a sum of float32 values cannot overflow a
 * double (n · 3.4e38 stays far below 1.8e308), so it is NaN or ±Inf exactly when a value is. Four
 * sums side by side, in four plain variables: one chain of dependent adds was 2.5× slower, and the
 * four taken from an array literal (`let [a, b, c, d] = …`) 3–4× slower again.
 */
function everyFinite(values: Float32Array): boolean {
  const n = values.length;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    a += values[i];
    b += values[i + 1];
    c += values[i + 2];
    d += values[i + 3];
  }
  for (; i < n; i++) a += values[i];
  return Number.isFinite(a + b + c + d);
}
