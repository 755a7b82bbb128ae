/**
 * Metastable states (U-Hop+): the size ‖p‖ of the final weights (entries above a threshold: 0.01
 * for softmax, exact non-zeros for sparse maps, as the official code), its histogram, and where
 * the retrieval converged.
 */
import { tf } from '../backend/tf.ts';
import { peekValues } from '../backend/heap.ts';
import { nearestMemories } from './diagnostics.ts';

/** Largest size with its own histogram bucket; larger sizes share the last one. */
export const HISTOGRAM_MAX = 10;

/**
 * Per query, the number of entries of p above the threshold, compared in float32 as tf.greater
 * compares them, counted on the values in place (tfjs's greater + cast + sum made two Q × M tensors).
 */
export function supportSizes(weights: tf.Tensor2D, threshold: number): Int32Array {
  const [rows, cols] = weights.shape;
  return countAbove(peekValues(weights), rows, cols, Math.fround(threshold));
}

function countAbove(values: Float32Array, rows: number, cols: number, threshold: number): Int32Array {
  const sizes = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    let count = 0;
    for (let i = row * cols, end = i + cols; i < end; i++) if (values[i] > threshold) count++;
    sizes[row] = count;
  }
  return sizes;
}

/** Shares of queries with ‖p‖ = 0, 1, …, 10 and > 10 (12 numbers summing to 1). */
export function supportHistogram(sizes: Int32Array): number[] {
  const counts = new Array<number>(HISTOGRAM_MAX + 2).fill(0);
  for (const size of sizes) counts[Math.min(size, HISTOGRAM_MAX + 1)]++;
  return counts.map((c) => c / sizes.length);
}

export interface Convergence {
  /** Share of queries whose final state is within the radius of their target memory. */
  target: number;
  /** … of another memory. */
  other: number;
  /** … of no memory: a mixture (metastable) or still moving. */
  none: number;
}

/** Not ‖x_q − ξ_m‖² > radius² ‖ξ_m‖², in float64 (so a NaN distance counts as within, as it always has). */
function withinRadius(states: ArrayLike<number>, q: number, memories: ArrayLike<number>, m: number, dim: number, radius: number): boolean {
  let distSq = 0;
  let normSq = 0;
  for (let k = 0; k < dim; k++) {
    const value = memories[m * dim + k];
    distSq += (states[q * dim + k] - value) ** 2;
    normSq += value * value;
  }
  return !(distSq > radius * radius * normSq);
}

/**
 * Convergence to a memory: ‖x_T − ξ‖ ≤ radius · ‖ξ‖ for the memory ξ nearest to x_T. The distance
 * is a direct difference in float64: through ‖x‖² + ‖ξ‖² − 2⟨x, ξ⟩ its float32 cancellation would
 * be as large as the threshold (radius² ‖ξ‖² = 1e-6 ‖ξ‖² by default) and the count would depend on
 * the matMul kernel's rounding. `memoryValues`: the memories' row-major values when the caller has
 * them (saves a copy out of the backend).
 */
export function convergence(
  states: tf.Tensor2D,
  memories: tf.Tensor2D,
  targets: Int32Array,
  radius: number,
  memoryValues: ArrayLike<number> = memories.dataSync(),
): Convergence {
  const dim = states.shape[1];
  const nearest = nearestMemories(states, memories);
  // read in place: no tfjs op runs while the loop reads it
  const stateValues = peekValues(states);
  // a plain loop, not a forEach closure: the closure's counters were new context slots in every
  // call, and each first increment deoptimised it again (1,100 deopts in a configs/mnist.json run)
  let target = 0;
  let other = 0;
  for (let q = 0; q < nearest.length; q++) {
    const memory = nearest[q];
    if (!withinRadius(stateValues, q, memoryValues, memory, dim, radius)) continue;
    if (memory === targets[q]) target++;
    else other++;
  }
  const n = targets.length;
  return { target: target / n, other: other / n, none: (n - target - other) / n };
}
