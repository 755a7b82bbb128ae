/**
 * Similarities: scores s[q, μ] of every memory μ against every query q, one function per config
 * name. Inputs are row-major features (queries: Q × D, memories: M × D, memoriesT: D × M).
 */
import { tf } from '../backend/tf.ts';
import type { SimilarityName } from '../config/schema.ts';
import { normalizeRows } from '../backend/ops.ts';
import { simdKernels, type SimdKernels } from '../backend/simd.ts';
import { applySimilarityPlugin, type PluginSet } from '../plugins/contract.ts';

export interface MemoryFeatures {
  rows: tf.Tensor2D;
  /** rowsᵀ, made once per cell so scoring needs no transpose flag. */
  cols: tf.Tensor2D;
}

export interface SimilarityOptions {
  /** l1/l2: official code scores +distance (farthest memory wins), the papers −distance. */
  distanceSign: 'positive' | 'negative';
}

export type Similarity = (queries: tf.Tensor2D, memories: MemoryFeatures, options: SimilarityOptions) => tf.Tensor2D;

/** s = ξᵀq: the modern Hopfield overlap. */
const dot: Similarity = (queries, memories) => tf.matMul(queries, memories.cols);

/** s = cos(ξ, q). */
const cosine: Similarity = (queries, memories) =>
  tf.tidy(() => tf.matMul(normalizeRows(queries), tf.transpose(normalizeRows(memories.rows))));

/**
 * Exact pairwise l1 distances Σ|ξ_i − q_i|, in one fused JS pass with float64 sums: tfjs would
 * materialise |q − ξ| for every pair (three passes over Q·M·D values, 2× slower on wasm) and sum
 * in float32. No gradient is needed: l1 only scores retrieval.
 */
function manhattanDistances(queries: tf.Tensor2D, memories: tf.Tensor2D): tf.Tensor2D {
  const [count, dim] = queries.shape;
  const memoryCount = memories.shape[0];
  const q = queries.dataSync() as Float32Array;
  const m = memories.dataSync() as Float32Array;
  const out = new Float32Array(count * memoryCount);
  const sparse = m.every((v) => v >= 0) ? new SparseQueryL1(m, memoryCount, dim) : null;
  for (let r = 0; r < count; r++) {
    const row = q.subarray(r * dim, (r + 1) * dim);
    const target = out.subarray(r * memoryCount, (r + 1) * memoryCount);
    // the sparse form pays an indirection per entry: worth it for mostly-zero queries only
    if (!sparse?.tryRow(row, target)) denseL1Row(row, m, memoryCount, dim, target);
  }
  return tf.tensor2d(out, [count, memoryCount]);
}

/** Σ_i |q_i − ξ_i| for one query against every memory, four running sums (they pipeline better than one chain). */
function denseL1Row(q: Float32Array, m: Float32Array, memoryCount: number, dim: number, out: Float32Array): void {
  for (let c = 0; c < memoryCount; c++) {
    const offset = c * dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let k = 0;
    for (; k + 3 < dim; k += 4) {
      s0 += Math.abs(q[k] - m[offset + k]);
      s1 += Math.abs(q[k + 1] - m[offset + k + 1]);
      s2 += Math.abs(q[k + 2] - m[offset + k + 2]);
      s3 += Math.abs(q[k + 3] - m[offset + k + 3]);
    }
    for (; k < dim; k++) s0 += Math.abs(q[k] - m[offset + k]);
    out[c] = s0 + s1 + (s2 + s3);
  }
}

/**
 * For memories ≥ 0 (pixels): |a − b| = a + b − 2·min(a, b), and min(0, b) = 0, so
 * Σ|q − ξ| = Σq + Σξ − 2·Σ_{q_i ≠ 0} min(q_i, ξ_i): a query visits only its non-zero entries (a
 * dropout-corrupted MNIST digit: about one in eight). 2·min(a, b) is taken as a + b − |a − b|:
 * no branch to mispredict. The memories are held transposed (entry-major), so each non-zero entry
 * of a query updates all memories' sums from one contiguous row (in the SIMD kernel, two memories
 * per instruction), where a memory-by-memory pass gathered one scattered value per visit. Each
 * memory's sum still adds its terms in entry order, so the distances are the same numbers.
 */
class SparseQueryL1 {
  private readonly memorySums: Float64Array;
  private readonly memoriesT: Float32Array;
  private readonly overlaps: Float64Array;
  private readonly index: Int32Array;
  private readonly value: Float64Array;
  /** Byte offsets of the four arrays in the SIMD kernels' memory, when they live there. */
  private readonly simd: { kernels: SimdKernels; memoriesT: number; overlaps: number; index: number; value: number } | null;

  constructor(
    m: Float32Array,
    private readonly memoryCount: number,
    private readonly dim: number,
  ) {
    const kernels = simdKernels();
    const place = kernels?.reserve([4 * memoryCount * dim, 8 * memoryCount, 4 * dim, 8 * dim]);
    if (kernels && place) {
      const [memoriesT, overlaps, index, value] = place;
      const buffer = kernels.memory();
      this.memoriesT = new Float32Array(buffer, memoriesT, memoryCount * dim);
      this.overlaps = new Float64Array(buffer, overlaps, memoryCount);
      this.index = new Int32Array(buffer, index, dim);
      this.value = new Float64Array(buffer, value, dim);
      this.simd = { kernels, memoriesT, overlaps, index, value };
    } else {
      this.memoriesT = new Float32Array(memoryCount * dim);
      this.overlaps = new Float64Array(memoryCount);
      this.index = new Int32Array(dim);
      this.value = new Float64Array(dim);
      this.simd = null;
    }
    this.memorySums = new Float64Array(memoryCount);
    for (let c = 0; c < memoryCount; c++) {
      let sum = 0;
      for (let k = 0; k < dim; k++) {
        sum += m[c * dim + k];
        this.memoriesT[k * memoryCount + c] = m[c * dim + k];
      }
      this.memorySums[c] = sum;
    }
  }

  /** Writes the row's distances and returns true when at most a quarter of the query is non-zero. */
  tryRow(q: Float32Array, out: Float32Array): boolean {
    const { memoriesT, memoryCount, dim, index, value, overlaps, simd } = this;
    let nonZero = 0;
    let querySum = 0;
    for (let k = 0; k < dim; k++) {
      if (q[k] === 0) continue;
      if (4 * (nonZero + 1) > dim) return false;
      index[nonZero] = k;
      value[nonZero++] = q[k];
      querySum += q[k];
    }
    overlaps.fill(0);
    // the kernel takes the memories two at a time; this loop an odd last one (or all, without it)
    const even = simd ? memoryCount - (memoryCount % 2) : 0;
    simd?.kernels.l1Overlaps(simd.memoriesT, memoryCount, simd.index, simd.value, nonZero, simd.overlaps, even);
    for (let t = 0; t < nonZero; t++) {
      const a = value[t];
      const row = index[t] * memoryCount;
      for (let c = even; c < memoryCount; c++) {
        const b = memoriesT[row + c];
        overlaps[c] += a + b - Math.abs(a - b);
      }
    }
    for (let c = 0; c < memoryCount; c++) out[c] = querySum + this.memorySums[c] - overlaps[c];
    return true;
  }
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

/** The similarity of a config name: a built-in, else the plugin of that name (its scores are used as returned). */
export function similarityFor(name: string, plugins?: PluginSet): Similarity {
  const builtin = (similarities as Record<string, Similarity>)[name];
  if (builtin) return builtin;
  const plugin = plugins?.similarities.get(name);
  if (!plugin) throw new Error(`no similarity "${name}" (built-in or plugin)`);
  return (queries, memories) => {
    const [count, dim] = queries.shape;
    const values = applySimilarityPlugin(plugin, queries.dataSync() as Float32Array, memories.rows.dataSync() as Float32Array, dim);
    return tf.tensor2d(values, [count, memories.rows.shape[0]]);
  };
}
