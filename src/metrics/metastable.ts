/**
 * Metastable states (U-Hop+): the size ‖p‖ of the final weights (entries above a threshold: 0.01
 * for softmax, exact non-zeros for sparse maps, as the official code), its histogram, and where
 * the retrieval converged.
 */
import * as tf from '@tensorflow/tfjs';

/** Largest size with its own histogram bucket; larger sizes share the last one. */
export const HISTOGRAM_MAX = 10;

/** Per query, the number of entries of p above the threshold. */
export function supportSizes(weights: tf.Tensor2D, threshold: number): Int32Array {
  const counts = tf.tidy(() => tf.sum(tf.cast(tf.greater(weights, threshold), 'int32'), 1));
  const sizes = Int32Array.from(counts.dataSync());
  counts.dispose();
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

/** Convergence to a memory: ‖x_T − ξ‖ ≤ radius · ‖ξ‖ for the memory nearest to x_T. */
export function convergence(states: tf.Tensor2D, memories: tf.Tensor2D, targets: Int32Array, radius: number): Convergence {
  const [nearest, within] = tf.tidy(() => {
    const cross = tf.matMul(states, tf.transpose(memories));
    const memorySq = tf.reshape(tf.sum(tf.square(memories), 1), [1, -1]);
    const stateSq = tf.sum(tf.square(states), 1, true);
    const distSq = tf.relu(tf.add(tf.sub(stateSq, tf.mul(cross, 2)), memorySq));
    const index = tf.argMin(distSq, 1);
    const best = tf.min(distSq, 1);
    const scale = tf.gather(tf.reshape(memorySq, [-1]), index);
    return [index, tf.lessEqual(best, tf.mul(scale, radius * radius))];
  });
  const index = nearest.dataSync();
  const close = within.dataSync();
  tf.dispose([nearest, within]);
  let target = 0;
  let other = 0;
  index.forEach((memory, q) => {
    if (!close[q]) return;
    if (memory === targets[q]) target++;
    else other++;
  });
  const n = targets.length;
  return { target: target / n, other: other / n, none: (n - target - other) / n };
}
