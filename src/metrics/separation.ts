/** Geometry of a memory set in some feature space. */
import * as tf from '@tensorflow/tfjs';
import { matMulTransposed, normalizeRows } from '../backend/ops.ts';

/** Δ_min = min_{μ≠ν} (1 − cos(ξ_μ, ξ_ν)) over the rows (KHM's minimal separation on the sphere). */
export function minimalSeparation(rows: tf.Tensor2D): number {
  const n = rows.shape[0];
  const cosines = tf.tidy(() => {
    const unit = normalizeRows(rows);
    return matMulTransposed(unit, unit);
  });
  const values = cosines.dataSync();
  cosines.dispose();
  let largest = -Infinity;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) largest = Math.max(largest, values[i * n + j]);
  return 1 - largest;
}
