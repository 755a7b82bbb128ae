/**
 * Similarities: scores s[q, μ] of every memory μ against every query q, one function per config
 * name. Inputs are row-major features (queries: Q × D, memories: M × D, memoriesT: D × M).
 */
import * as tf from '@tensorflow/tfjs';
import type { SimilarityName } from '../config/schema.ts';
import { normalizeRows } from '../backend/ops.ts';

export interface MemoryFeatures {
  rows: tf.Tensor2D;
  /** rowsᵀ, made once per cell so scoring needs no transpose flag. */
  cols: tf.Tensor2D;
}

export interface SimilarityOptions {
  /** l1/l2: official code scores +distance (farthest memory wins), the papers −distance. */
  distanceSign: 'positive' | 'negative';
}

type Similarity = (queries: tf.Tensor2D, memories: MemoryFeatures, options: SimilarityOptions) => tf.Tensor2D;

/** s = ξᵀq: the modern Hopfield overlap. */
const dot: Similarity = (queries, memories) => tf.matMul(queries, memories.cols);

/** s = cos(ξ, q). */
const cosine: Similarity = (queries, memories) =>
  tf.tidy(() => tf.matMul(normalizeRows(queries), tf.transpose(normalizeRows(memories.rows))));

/** Elements per intermediate (queries × memories × features) of a chunk of l1 work. */
const CHUNK_ELEMENTS = 4_000_000;

/** Exact pairwise l1 distances Σ|ξ_i − q_i| by broadcasting, in chunks of queries. */
function manhattanDistances(queries: tf.Tensor2D, memories: tf.Tensor2D): tf.Tensor2D {
  const [count, dim] = queries.shape;
  const chunk = Math.max(1, Math.floor(CHUNK_ELEMENTS / (memories.shape[0] * dim)));
  const parts: tf.Tensor2D[] = [];
  for (let start = 0; start < count; start += chunk) {
    const size = Math.min(chunk, count - start);
    parts.push(
      tf.tidy(() => tf.sum(tf.abs(tf.sub(tf.slice(queries, [start, 0], [size, dim]).expandDims(1), memories.expandDims(0))), 2)),
    );
  }
  const all = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
  if (parts.length > 1) parts.forEach((part) => part.dispose());
  return all;
}

/**
 * Euclidean distances from ‖q − ξ‖² = ‖q‖² + ‖ξ‖² − 2⟨q, ξ⟩: one flag-free matMul. Rounding of
 * the expansion is ~1e-7 of ‖q‖², far below the spread of distances between images; clamped at
 * 0 before the square root.
 */
function euclideanDistances(queries: tf.Tensor2D, memories: MemoryFeatures): tf.Tensor2D {
  return tf.tidy(() => {
    const querySq = tf.sum(tf.square(queries), 1, true);
    const memorySq = tf.reshape(tf.sum(tf.square(memories.rows), 1), [1, -1]);
    const cross = tf.matMul(queries, memories.cols);
    return tf.sqrt(tf.relu(tf.sub(tf.add(querySq, memorySq), tf.mul(cross, 2)))) as tf.Tensor2D;
  });
}

/** A distance used as a score, with the sign chosen by options.distanceSign. */
function distanceSimilarity(distance: (queries: tf.Tensor2D, memories: MemoryFeatures) => tf.Tensor2D): Similarity {
  return (queries, memories, options) => {
    const d = distance(queries, memories);
    if (options.distanceSign === 'positive') return d;
    const negated = tf.neg(d) as tf.Tensor2D;
    d.dispose();
    return negated;
  };
}

/** Manhattan distance Σ|ξ_i − q_i| (UHN's l1 similarity). */
const l1 = distanceSimilarity((queries, memories) => manhattanDistances(queries, memories.rows));

/** Euclidean distance ‖ξ − q‖₂ (UHN's l2 similarity). */
const l2 = distanceSimilarity(euclideanDistances);

export const similarities: Record<SimilarityName, Similarity> = { dot, cosine, l1, l2 };
