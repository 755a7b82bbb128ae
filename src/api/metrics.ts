/** The run's metrics on plain arrays: retrieval error, success rate, the metastable histogram, Δ_min. */
import { tf } from '../backend/tf.ts';
import { UserError } from '../errors.ts';
import { rowsToTensor, type Rows } from './arrays.ts';
import { errorPerQuery, successRate as shareAtMost } from '../metrics/retrievalError.ts';
import { supportHistogram, supportSizes } from '../metrics/metastable.ts';
import { pairGeometry } from '../metrics/diagnostics.ts';

/**
 * The official `sqdiff` error of each query: Σ_i (clamp(ξ_i, 0, 1) − clamp(x̂_i, 0, 1))² between its
 * target memory and the retrieved state (a sum over pixels); `clamp: false` for data outside [0, 1].
 */
export function retrievalError(targets: Rows, outputs: Rows, options: { clamp?: boolean } = {}): number[] {
  const t = rowsToTensor(targets, 'targets');
  const o = rowsToTensor(outputs, 'outputs', t.shape[1]);
  try {
    if (o.shape[0] !== t.shape[0]) throw new UserError(`retrievalError: ${t.shape[0]} targets but ${o.shape[0]} outputs`);
    return Array.from(errorPerQuery(t, o, options.clamp ?? true));
  } finally {
    tf.dispose([t, o]);
  }
}

/** Share of queries with error ≤ threshold (a config's metrics.successThreshold, default 1). */
export function successRate(errors: ArrayLike<number>, threshold = 1): number {
  return shareAtMost(Float32Array.from(errors), threshold);
}

/**
 * Shares of queries whose final weights p have ‖p‖ = 0, 1, …, 10 and > 10 entries above `threshold`
 * (12 numbers summing to 1): ‖p‖ > 1 is a metastable state. Runs use 0.01 for softmax and poly,
 * 0 (the exact non-zeros) for sparsemax and entmax.
 */
export function metastableHistogram(weights: Rows, threshold: number): number[] {
  const p = rowsToTensor(weights, 'weights');
  const sizes = supportSizes(p, threshold);
  p.dispose();
  return supportHistogram(sizes);
}

/**
 * Δ_min = min_{μ≠ν} (1 − cos θ_μν) of the rows (memories, or their features) and their mean
 * pairwise cosine: the spherical-code separation the bounds below are about.
 */
export function deltaMin(rows: Rows): { deltaMin: number; meanCosine: number } {
  const tensor = rowsToTensor(rows, 'rows');
  try {
    if (tensor.shape[0] < 2) throw new UserError('deltaMin: needs at least 2 rows');
    return pairGeometry(tensor);
  } finally {
    tensor.dispose();
  }
}

export { separationLowerBound, separationUpperBound, tammesSeparation } from '../metrics/sphericalCode.ts';
