/**
 * Stage I for the max loss with plain full-batch SGD (the official U-Hop capacity protocol), in
 * O(n² + |moved rows|·D) float64 work per step instead of two float32 GEMMs and a tfjs tape.
 *
 * Each step moves only the closest pair (i, j): Wᵀ ← Wᵀ − x_i g_iᵀ − x_j g_jᵀ with
 * g = lr·2t·∂cos/∂f. So, with K = X Xᵀ, the features move by rank 2, F ← F − K[:,i] g_iᵀ − K[:,j] g_jᵀ,
 * their Gram matrix G = F Fᵀ by an update of rank ≤ 4 that G itself supplies, and the trained
 * weights are Wᵀ = W₀ᵀ − Xᵀ C, where C collects each row's g over the steps (one GEMM at the end).
 * Only the rows that have been in a closest pair are ever materialised.
 * Same math as differentiating the tfjs objective (tested against it), in float64, so the result
 * no longer carries one float32 GEMM rounding per step.
 */
import { UNIFORMITY_T } from './losses.ts';
import { placeArrays, simdKernels, type PlacedArrays, type SimdKernels } from '../backend/simd.ts';
import { scratchFloat64 } from '../backend/scratch.ts';

export interface MaxLossSgdInput {
  /** X Xᵀ of the n training rows (n × n, row-major). */
  kernel: Float64Array;
  /** F₀ = X W₀ᵀ (n × D, row-major). */
  features: Float64Array;
  /** F₀ F₀ᵀ (n × n, row-major); the steps update it (in place, or a copy in the SIMD kernels' memory). */
  gram: Float64Array;
  n: number;
  featureDim: number;
  epochs: number;
  /**
   * The learning rate: `initial` at step 0, then divided by √(t + 1) after each step t when
   * `inverseSqrtFactorial` (train.ts's learningRateAt, by the same divisions). Numbers, not a
   * callback: a closure per cell had the step loop deoptimised in every cell.
   */
  learningRate: { initial: number; inverseSqrtFactorial: boolean };
  /** Stop after `patience` steps without the loss falling by more than minDelta. */
  plateau: { patience: number; minDelta: number } | null;
}

export interface MaxLossSgdResult {
  /** C (n × D): Wᵀ = W₀ᵀ − Xᵀ C; in a scratch slot of the thread, valid until the next run. */
  coefficients: Float64Array;
  /** Loss of each step before its update. */
  losses: number[];
}

interface ClosestPair {
  i: number;
  j: number;
  cosine: number;
}

/** Largest cos(f_r, f_s) over r < s from the Gram matrix (first in row-major order on ties, as argMax). */
function closestPair(arrays: StepArrays, n: number): ClosestPair {
  const { gram, inverseNorms, simd } = arrays;
  for (let r = 0; r < n; r++) inverseNorms[r] = 1 / Math.max(Math.sqrt(Math.max(gram[r * n + r], 0)), 1e-12);
  let bestI = 0;
  let bestJ = 1;
  let bestCosine = -Infinity;
  for (let r = 0; r < n; r++) {
    const row = r * n;
    const scale = inverseNorms[r];
    let s = r + 1;
    if (simd) {
      // the kernel scans the pairs (s, s + 1) two lanes at a time, each lane keeping its first largest;
      // of the two, the larger, or on a tie the earlier, is the row's first largest so far
      const pairs = (n - s) >> 1;
      simd.kernels.closestRow(simd.gram + 8 * (row + s), simd.inverseNorms + 8 * s, scale, pairs, simd.out);
      const [even, odd, evenAt, oddAt] = arrays.out;
      const [cosine, at] = odd > even || (odd === even && oddAt < evenAt) ? [odd, oddAt] : [even, evenAt];
      if (cosine > bestCosine) {
        bestCosine = cosine;
        bestI = r;
        bestJ = s + at;
      }
      s += 2 * pairs;
    }
    for (; s < n; s++) {
      const cosine = gram[row + s] * scale * inverseNorms[s];
      if (cosine > bestCosine) {
        bestCosine = cosine;
        bestI = r;
        bestJ = s;
      }
    }
  }
  return { i: bestI, j: bestJ, cosine: bestCosine };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k] * b[k];
  return sum;
}

/**
 * Current features of the rows that have moved (C[r] ≠ 0) or are about to: only the closest pair's
 * rows are ever read, and F = F₀ − K C lets a row join late, f_r = F₀[r] − Σ_s K[r, s] C[s].
 */
class ActiveRows {
  /** Per tracked row r: its current feature f_r and its accumulated coefficient C[r]. */
  private readonly tracked = new Map<number, { feature: Float64Array; coefficient: Float64Array }>();

  constructor(
    private readonly initial: Float64Array,
    private readonly kernel: Float64Array,
    private readonly n: number,
    private readonly dim: number,
    private readonly arrays: StepArrays,
  ) {}

  feature(r: number): Float64Array {
    let entry = this.tracked.get(r);
    if (!entry) {
      const { dim } = this;
      const initial = this.initial.subarray(r * dim, (r + 1) * dim);
      // with the kernels, row r's feature lives in its slot of their memory (the moves run there)
      const feature = this.arrays.simd ? this.arrays.features.subarray(r * dim, (r + 1) * dim) : new Float64Array(dim);
      feature.set(initial);
      for (const [s, { coefficient }] of this.tracked) {
        const weight = this.kernel[r * this.n + s];
        for (let k = 0; k < dim; k++) feature[k] -= weight * coefficient[k];
      }
      entry = { feature, coefficient: new Float64Array(dim) };
      this.tracked.set(r, entry);
    }
    return entry.feature;
  }

  /** Wᵀ −= x_i g_iᵀ + x_j g_jᵀ: every tracked row r moves by K[r,i] g_i + K[r,j] g_j (gi, gj: the arrays' own). */
  move(i: number, j: number): void {
    const { dim, arrays } = this;
    const { gi, gj, simd } = arrays;
    // the kernel moves the even entries two at a time; the loop an odd last one (or all, without it)
    const even = simd ? dim - (dim % 2) : 0;
    for (const [r, { feature }] of this.tracked) {
      const a = this.kernel[i * this.n + r];
      const b = this.kernel[j * this.n + r];
      simd?.kernels.axpy2(simd.features + 8 * r * dim, simd.gi, simd.gj, a, b, even);
      for (let k = even; k < dim; k++) feature[k] -= a * gi[k] + b * gj[k];
    }
    const [ci, cj] = [this.tracked.get(i)!.coefficient, this.tracked.get(j)!.coefficient];
    for (let k = 0; k < dim; k++) {
      ci[k] += gi[k];
      cj[k] += gj[k];
    }
  }

  /** C as a dense n × D matrix (in a scratch slot: see MaxLossSgdResult). */
  dense(): Float64Array {
    const out = scratchFloat64('max-loss/coefficients', this.n * this.dim, true);
    for (const [r, { coefficient }] of this.tracked) out.set(coefficient, r * this.dim);
    return out;
  }
}

/** What the steps read and write, by name (f64 arrays). */
function stepLayout(n: number, dim: number) {
  return { kernel: ['f64', n * n], gram: ['f64', n * n], u: ['f64', n], v: ['f64', n], inverseNorms: ['f64', n], gi: ['f64', dim], gj: ['f64', dim], features: ['f64', n * dim], out: ['f64', 4] } as const;
}
type StepLayout = ReturnType<typeof stepLayout>;

/**
 * The step arrays: in the SIMD kernels' memory when there is room (with their byte offsets there:
 * `features` holds the tracked rows' features, `out` closestRow's result), else JS arrays with K
 * and G as given.
 */
type StepViews = PlacedArrays<StepLayout>['views'];
type StepOffsets = PlacedArrays<StepLayout>['offsets'];
type StepArrays = StepViews & { simd: ({ kernels: SimdKernels } & StepOffsets) | null };

/**
 * Built field by field in one literal (not spread from the layout's objects): a spread gave each
 * cell's arrays a map of their own, and the step functions were deoptimised and recompiled in every
 * cell (1 s of background compiles, and unoptimised loops meanwhile, in a configs/mnist.json run).
 */
function stepArraysOf(views: StepViews, simd: StepArrays['simd']): StepArrays {
  const { kernel, gram, u, v, inverseNorms, gi, gj, features, out } = views;
  return { kernel, gram, u, v, inverseNorms, gi, gj, features, out, simd };
}

function stepOffsetsOf(kernels: SimdKernels, offsets: StepOffsets): NonNullable<StepArrays['simd']> {
  const { kernel, gram, u, v, inverseNorms, gi, gj, features, out } = offsets;
  return { kernels, kernel, gram, u, v, inverseNorms, gi, gj, features, out };
}

function stepArrays(input: MaxLossSgdInput): StepArrays {
  const layout = stepLayout(input.n, input.featureDim);
  const kernels = simdKernels();
  const placed = kernels ? placeArrays(kernels, layout) : null;
  if (!kernels || !placed) {
    const own = (name: 'u' | 'v' | 'inverseNorms' | 'gi' | 'gj') => new Float64Array(layout[name][1]);
    const none = new Float64Array(0);
    const views = { kernel: input.kernel, gram: input.gram, u: own('u'), v: own('v'), inverseNorms: own('inverseNorms'), gi: own('gi'), gj: own('gj'), features: none, out: none };
    return stepArraysOf(views, null);
  }
  placed.views.kernel.set(input.kernel);
  placed.views.gram.set(input.gram);
  return stepArraysOf(placed.views, stepOffsetsOf(kernels, placed.offsets));
}

/**
 * G[r, s] −= a_r u_s + b_r v_s + u_r a_s + v_r b_s for all r, s (a = K[i, :], b = K[j, :]): the
 * kernel does the even columns two at a time, this loop an odd last one; same sums either way.
 */
function updateGram(arrays: StepArrays, n: number, i: number, j: number): void {
  const { kernel, gram, u, v, simd } = arrays;
  const rowI = i * n;
  const rowJ = j * n;
  const even = simd ? n - (n % 2) : 0;
  simd?.kernels.gramUpdate(simd.gram, simd.kernel + 8 * rowI, simd.kernel + 8 * rowJ, simd.u, simd.v, n, even);
  for (let r = 0; r < n; r++) {
    const ar = kernel[rowI + r];
    const br = kernel[rowJ + r];
    const ur = u[r];
    const vr = v[r];
    const row = r * n;
    for (let s = even; s < n; s++) gram[row + s] -= ar * u[s] + br * v[s] + ur * kernel[rowI + s] + vr * kernel[rowJ + s];
  }
}

/**
 * g_i = α_i f_j + β_i f_i and g_j = α_j f_i + β_j f_j. The step's loops are small functions of
 * typed arrays and numbers: in one long trainer they had it compiled on-stack again at each loop of
 * each cell (15 compiles of 50 ms in a configs/mnist.json run), since code past a loop had no
 * type feedback yet when the loop got hot.
 */
function gradients(gi: Float64Array, gj: Float64Array, fi: Float64Array, fj: Float64Array, step: StepCoefficients, dim: number): void {
  const { alphaI, betaI, alphaJ, betaJ } = step;
  for (let k = 0; k < dim; k++) {
    gi[k] = alphaI * fj[k] + betaI * fi[k];
    gj[k] = alphaJ * fi[k] + betaJ * fj[k];
  }
}

/**
 * u = p − (g_i·g_i/2) a − (g_i·g_j) b and v = q − (g_j·g_j/2) b, with a = K[:,i], b = K[:,j] and
 * p = F g_i, q = F g_j read off G (g_i and g_j are combinations of f_i and f_j).
 */
function gramFactors(arrays: StepArrays, n: number, i: number, j: number, step: StepCoefficients, dots: { gii: number; gij: number; gjj: number }): void {
  const { gram, kernel, u, v } = arrays;
  const { alphaI, betaI, alphaJ, betaJ } = step;
  const { gii, gij, gjj } = dots;
  const rowI = i * n;
  const rowJ = j * n;
  for (let r = 0; r < n; r++) {
    const row = r * n;
    const p = alphaI * gram[row + j] + betaI * gram[row + i];
    const q = alphaJ * gram[row + i] + betaJ * gram[row + j];
    u[r] = p - 0.5 * gii * kernel[rowI + r] - gij * kernel[rowJ + r];
    v[r] = q - 0.5 * gjj * kernel[rowJ + r];
  }
}

interface StepCoefficients {
  alphaI: number;
  betaI: number;
  alphaJ: number;
  betaJ: number;
}

/** One SGD step on the closest pair (i, j) with cosine c: moves W, G and the tracked features. */
function step(arrays: StepArrays, active: ActiveRows, n: number, dim: number, pair: ClosestPair, learningRate: number): void {
  const { i, j, cosine } = pair;
  // g_i = lr·2t·(û_j − c·û_i)/‖f_i‖ = α_i f_j + β_i f_i, and symmetrically for j
  const factor = learningRate * 2 * UNIFORMITY_T;
  const ni = arrays.inverseNorms[i];
  const nj = arrays.inverseNorms[j];
  const coefficients: StepCoefficients = { alphaI: factor * ni * nj, betaI: -factor * cosine * ni * ni, alphaJ: factor * ni * nj, betaJ: -factor * cosine * nj * nj };
  const { gi, gj } = arrays;
  gradients(gi, gj, active.feature(i), active.feature(j), coefficients, dim);
  // G' = G − p aᵀ − a pᵀ − q bᵀ − b qᵀ + (g_i·g_i) a aᵀ + (g_i·g_j)(a bᵀ + b aᵀ) + (g_j·g_j) b bᵀ
  // (rows i, j of K: it is symmetric), written as G' = G − (a uᵀ + b vᵀ + u aᵀ + v bᵀ)
  gramFactors(arrays, n, i, j, coefficients, { gii: dot(gi, gi), gij: dot(gi, gj), gjj: dot(gj, gj) });
  updateGram(arrays, n, i, j);
  active.move(i, j);
}

export function trainMaxLossSgd(input: MaxLossSgdInput): MaxLossSgdResult {
  const { n, featureDim: dim, plateau } = input;
  const arrays = stepArrays(input);
  const active = new ActiveRows(input.features, arrays.kernel, n, dim, arrays);
  const losses: number[] = [];
  let best = Infinity;
  let sinceBest = 0;
  let rate = input.learningRate.initial;
  for (let t = 0; t < input.epochs; t++) {
    const pair = closestPair(arrays, n);
    const loss = 2 * UNIFORMITY_T * (pair.cosine - 1);
    losses.push(loss);
    if (!Number.isFinite(loss)) break;
    step(arrays, active, n, dim, pair, rate);
    if (input.learningRate.inverseSqrtFactorial) rate /= Math.sqrt(t + 1);
    if (plateau) {
      if (loss < best - plateau.minDelta) {
        best = loss;
        sinceBest = 0;
      } else if (++sinceBest >= plateau.patience) break;
    }
  }
  return { coefficients: active.dense(), losses };
}
