/** Retrieval quality of a batch of queries, each built from a known target memory. */
import { tf } from '../backend/tf.ts';

/**
 * Official `sqdiff` error per query: Σ_i (clamp(ξ_i, 0, 1) − clamp(x̂_i, 0, 1))², a sum over
 * pixels (not a mean); without `clamp` the plain squared distance (data outside [0, 1]). NaN
 * outputs stay NaN, so a broken model cannot hide in a table.
 */
export function errorPerQuery(targets: tf.Tensor2D, outputs: tf.Tensor2D, clamp = true): Float32Array {
  const errors = tf.tidy(() => {
    const [t, o] = clamp ? [tf.clipByValue(targets, 0, 1), tf.clipByValue(outputs, 0, 1)] : [targets, outputs];
    return tf.sum(tf.square(tf.sub(t, o)), 1);
  });
  const values = errors.dataSync() as Float32Array;
  errors.dispose();
  return values;
}

/** Share of queries with error ≤ threshold. */
export function successRate(errors: Float32Array, threshold: number): number {
  let hits = 0;
  for (const error of errors) if (error <= threshold) hits++;
  return hits / errors.length;
}

export function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}
