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

/** Elements per intermediate (queries × memories × features) of a chunk of distance work. */
const CHUNK_ELEMENTS = 4_000_000;

/**
 * Exact pairwise distances by broadcasting, in chunks of queries (no ‖a‖² + ‖b‖² − 2ab
 * shortcut: its float32 cancellation would make l1 and l2 disagree in precision).
 */
function distances(queries: tf.Tensor2D, memories: tf.Tensor2D, power: 1 | 2): tf.Tensor2D {
  const [count, dim] = queries.shape;
  const chunk = Math.max(1, Math.floor(CHUNK_ELEMENTS / (memories.shape[0] * dim)));
  const parts: tf.Tensor2D[] = [];
  for (let start = 0; start < count; start += chunk) {
    const size = Math.min(chunk, count - start);
    parts.push(
      tf.tidy(() => {
        const diff = tf.sub(tf.slice(queries, [start, 0], [size, dim]).expandDims(1), memories.expandDims(0));
        return power === 1 ? tf.sum(tf.abs(diff), 2) : tf.sqrt(tf.sum(tf.square(diff), 2));
      }) as tf.Tensor2D,
    );
  }
  const all = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  if (parts.length > 1) parts.forEach((part) => part.dispose());
  return all;
}

/** A distance used as a score, with the sign chosen by options.distanceSign. */
function distanceSimilarity(power: 1 | 2): Similarity {
  return (queries, memories, options) => {
    const d = distances(queries, memories.rows, power);
    if (options.distanceSign === 'positive') return d;
    const negated = tf.neg(d) as tf.Tensor2D;
    d.dispose();
    return negated;
  };
}

/** Manhattan distance Σ|ξ_i − q_i| (UHN's l1 similarity). */
const l1 = distanceSimilarity(1);

/** Euclidean distance ‖ξ − q‖₂ (UHN's l2 similarity). */
const l2 = distanceSimilarity(2);

export const similarities: Record<SimilarityName, Similarity> = { dot, cosine, l1, l2 };
