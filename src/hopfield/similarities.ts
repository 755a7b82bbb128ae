/**
 * Similarities: scores s[q, μ] of every memory μ against every query q, one function per config
 * name. Inputs are row-major features (queries: Q × D, memories: M × D, memoriesT: D × M).
 */
import { tf } from '../backend/tf.ts';
import type { SimilarityName } from '../config/schema.ts';
import { normalizeRows } from '../backend/ops.ts';
import { placeArrays, simdKernels, type PlacedArrays, type SimdKernels } from '../backend/simd.ts';
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
 * Exact pairwise l1 distances Σ|ξ_i − q_i|, in one fused pass with float64 sums: tfjs would
 * materialise |q − ξ| for every pair (three passes over Q·M·D values, 2× slower on wasm) and sum
 * in float32. No gradient is needed: l1 only scores retrieval.
 */
function manhattanDistances(queries: tf.Tensor2D, memories: tf.Tensor2D): tf.Tensor2D {
  const [count, dim] = queries.shape;
  const memoryCount = memories.shape[0];
  const q = queries.dataSync() as Float32Array;
  const m = memories.dataSync() as Float32Array;
  const out = new Float32Array(count * memoryCount);
  const scorer = new L1Scorer(m, memoryCount, dim);
  for (let r = 0; r < count; r++) {
    const row = q.subarray(r * dim, (r + 1) * dim);
    const target = out.subarray(r * memoryCount, (r + 1) * memoryCount);
    // the sparse form pays an indirection per entry: worth it for mostly-zero queries only
    if (scorer.gather(row)) scorer.sparseRow(target);
    else scorer.denseRow(row, target);
  }
  return tf.tensor2d(out, [count, memoryCount]);
}

/** The arrays of an L1Scorer, by name (memoriesT only for memories ≥ 0). */
function l1Layout(memoryCount: number, dim: number, sparse: boolean) {
  return {
    memories: ['f32', memoryCount * dim],
    memoriesT: ['f32', sparse ? memoryCount * dim : 0],
    overlaps: ['f64', memoryCount],
    index: ['i32', dim],
    value: ['f64', dim],
    query: ['f32', dim],
    sums: ['f64', 4 * memoryCount],
  } as const;
}
type L1Layout = ReturnType<typeof l1Layout>;

/**
 * memoriesT (dim × count) = the memories transposed, and each memory's sum. Outside the scorer's
 * constructor, whose loop had it compiled on-stack again for every cell's scorer.
 */
function transposeWithSums(m: Float32Array, memoryCount: number, dim: number, memoriesT: Float32Array, memorySums: Float64Array): void {
  for (let c = 0; c < memoryCount; c++) {
    let sum = 0;
    for (let k = 0; k < dim; k++) {
      sum += m[c * dim + k];
      memoriesT[k * memoryCount + c] = m[c * dim + k];
    }
    memorySums[c] = sum;
  }
}

/**
 * The l1 scores of one query row against every memory, two ways.
 *
 * Dense: Σ_i |q_i − ξ_i| in four running sums (entry i mod 4; they pipeline better than one chain),
 * (s0 + s1) + (s2 + s3).
 *
 * Sparse, for memories ≥ 0 (pixels): |a − b| = a + b − 2·min(a, b), and min(0, b) = 0, so
 * Σ|q − ξ| = Σq + Σξ − 2·Σ_{q_i ≠ 0} min(q_i, ξ_i): a query visits only its non-zero entries (a
 * dropout-corrupted MNIST digit: about one in eight). 2·min(a, b) is taken as a + b − |a − b|:
 * no branch to mispredict. The memories are held transposed (entry-major), so each non-zero entry
 * of a query updates all memories' sums from one contiguous row.
 *
 * With the SIMD kernels (src/backend/simd.ts) both loops run there, two sums or two memories per
 * instruction, on copies in the kernels' memory; each sum adds its terms in the same order as the
 * JS loops here, which run without them (and do the odd tails), so the distances are the same numbers.
 */
class L1Scorer {
  private readonly arrays: PlacedArrays<L1Layout>['views'];
  /** Byte offsets of the arrays in the kernels' memory, when they live there. */
  private readonly simd: ({ kernels: SimdKernels } & PlacedArrays<L1Layout>['offsets']) | null;
  private readonly sparse: boolean;
  private readonly memorySums: Float64Array;
  private nonZero = 0;
  private querySum = 0;

  constructor(
    m: Float32Array,
    private readonly memoryCount: number,
    private readonly dim: number,
  ) {
    this.sparse = m.every((v) => v >= 0);
    const layout = l1Layout(memoryCount, dim, this.sparse);
    const kernels = simdKernels();
    const placed = kernels ? placeArrays(kernels, layout) : null;
    if (kernels && placed) {
      this.arrays = placed.views;
      this.arrays.memories.set(m);
      // named one by one, not spread: a spread gave every scorer's object a map of its own
      const { memories, memoriesT, overlaps, index, value, query, sums } = placed.offsets;
      this.simd = { kernels, memories, memoriesT, overlaps, index, value, query, sums };
    } else {
      // the JS loops read the memories as given and need no copy of the query nor the kernel's sums
      const f64 = (name: keyof L1Layout) => new Float64Array(layout[name][1]);
      const memoriesT = new Float32Array(layout.memoriesT[1]);
      this.arrays = { memories: m, memoriesT, overlaps: f64('overlaps'), index: new Int32Array(dim), value: f64('value'), query: new Float32Array(0), sums: new Float64Array(0) };
      this.simd = null;
    }
    this.memorySums = new Float64Array(this.sparse ? memoryCount : 0);
    if (this.sparse) transposeWithSums(m, memoryCount, dim, this.arrays.memoriesT, this.memorySums);
  }

  /** Takes in a query's non-zero entries for sparseRow; false when the memories have negative entries or more than a quarter of the query is non-zero. */
  gather(q: Float32Array): boolean {
    if (!this.sparse) return false;
    const { dim } = this;
    const { index, value } = this.arrays;
    let nonZero = 0;
    let querySum = 0;
    for (let k = 0; k < dim; k++) {
      if (q[k] === 0) continue;
      if (4 * (nonZero + 1) > dim) return false;
      index[nonZero] = k;
      value[nonZero++] = q[k];
      querySum += q[k];
    }
    this.nonZero = nonZero;
    this.querySum = querySum;
    return true;
  }

  /** The distances of the query gathered last. */
  sparseRow(out: Float32Array): void {
    const { memoryCount, simd, nonZero, querySum, memorySums } = this;
    const { memoriesT, index, value, overlaps } = this.arrays;
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
    for (let c = 0; c < memoryCount; c++) out[c] = querySum + memorySums[c] - overlaps[c];
  }

  /** Σ_i |q_i − ξ_i| for one query against every memory. */
  denseRow(q: Float32Array, out: Float32Array): void {
    const { memoryCount, dim, simd } = this;
    const { memories: m, sums, query } = this.arrays;
    // the kernel does the whole groups of four entries; this loop the rest (or all, without it)
    const whole = simd ? dim - (dim % 4) : 0;
    if (simd) {
      query.set(q);
      simd.kernels.l1Dense(simd.query, simd.memories, memoryCount, whole, 4 * dim, simd.sums);
    }
    for (let c = 0; c < memoryCount; c++) {
      const offset = c * dim;
      // plain variables: taken from an array literal, the four sums made this loop several times slower
      let s0 = simd ? sums[4 * c] : 0;
      let s1 = simd ? sums[4 * c + 1] : 0;
      let s2 = simd ? sums[4 * c + 2] : 0;
      let s3 = simd ? sums[4 * c + 3] : 0;
      let k = whole;
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
