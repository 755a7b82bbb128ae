/**
 * Independent plain-JS (float64) implementations used as oracles by the tests. They share no
 * code with src/ and use different algorithms where possible (bisection instead of sorting).
 */

export function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Finds τ with Σ f(z_i − τ) = 1 by bisection, f non-decreasing, f(≤0) = 0. */
function thresholdByBisection(z: number[], f: (x: number) => number): number {
  let lo = Math.max(...z) - 1 - 1e-9; // here Σ ≥ f(1) ≥ 1 for the maps below
  let hi = Math.max(...z);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    const total = z.reduce((acc, v) => acc + f(v - mid), 0);
    if (total > 1) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** sparsemax = Euclidean projection onto the simplex: p = max(z − τ, 0), Σp = 1. */
export function sparsemax(z: number[]): number[] {
  const relu = (x: number) => Math.max(x, 0);
  const tau = thresholdByBisection(z, relu);
  return z.map((v) => relu(v - tau));
}

/** 1.5-entmax: p = max(z/2 − τ, 0)², Σp = 1. */
export function entmax15(z: number[]): number[] {
  const half = z.map((v) => v / 2);
  const f = (x: number) => Math.max(x, 0) ** 2;
  const tau = thresholdByBisection(half, f);
  return half.map((v) => f(v - tau));
}

/** α-entmax (α > 1): p = max((α − 1)z − τ, 0)^{1/(α−1)}, Σp = 1. */
export function entmax(z: number[], alpha: number): number[] {
  const scaled = z.map((v) => (alpha - 1) * v);
  const f = (x: number) => Math.max(x, 0) ** (1 / (alpha - 1));
  const tau = thresholdByBisection(scaled, f);
  return scaled.map((v) => f(v - tau));
}

export const dot = (a: number[], b: number[]) => a.reduce((acc, v, i) => acc + v * b[i], 0);
export const norm = (a: number[]) => Math.sqrt(dot(a, a));

/** Official MHN (softmax, β = 1 on the output) one-step error, mean over queries. */
export function mhnSoftmaxError(memories: number[][], queries: number[][]): number {
  const clamp = (v: number) => Math.min(Math.max(v, 0), 1);
  let total = 0;
  queries.forEach((q, target) => {
    const p = softmax(memories.map((xi) => dot(xi, q)));
    const out = memories[0].map((_, i) => memories.reduce((acc, xi, mu) => acc + p[mu] * xi[i], 0));
    total += memories[target].reduce((acc, v, i) => acc + (clamp(v) - clamp(out[i])) ** 2, 0);
  });
  return total / queries.length;
}

/** Rows of a row-major Float32Array as number arrays. */
export function toRows(values: ArrayLike<number>, cols: number): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < values.length / cols; r++) rows.push(Array.from({ length: cols }, (_, c) => values[r * cols + c]));
  return rows;
}

/** Max and average separation losses (t = 2) of raw features, float64. */
export function separationLosses(features: number[][]): { max: number; average: number } {
  const unit = features.map((f) => f.map((v) => v / norm(f)));
  const exponents: number[] = [];
  for (let i = 0; i < unit.length; i++) {
    for (let j = i + 1; j < unit.length; j++) {
      const sq = unit[i].reduce((acc, v, k) => acc + (v - unit[j][k]) ** 2, 0);
      exponents.push(-2 * sq);
    }
  }
  const max = Math.max(...exponents);
  const average = Math.log(exponents.reduce((acc, e) => acc + Math.exp(e), 0) / exponents.length);
  return { max, average };
}

/** The U-Hop+ coded loss (official feature_map.py) and its gradient with the right factor detached, float64. */
export function codedUhopPlus(features: number[][], tau: number): { loss: number; gradient: number[][] } {
  const n = features.length;
  const norms = features.map(norm);
  const unit = features.map((f, i) => f.map((v) => v / norms[i]));
  const cos = (i: number, j: number) => dot(unit[i], unit[j]);
  let total = (n * (n + 1)) / 2; // the zero entries of triu(·, 1): exp(0) = 1 each
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) total += Math.exp(cos(i, j) / tau);
  const loss = Math.log(total / ((n * (n - 1)) / 2)) / n;
  // dL/dû_i = Σ_{j>i} exp(c_ij/τ)/(τ·n·total) · û_j (û_j detached), then through û = f/‖f‖
  const gradient = features.map((f, i) => {
    const dUnit = f.map(() => 0);
    for (let j = i + 1; j < n; j++) {
      const w = Math.exp(cos(i, j) / tau) / (tau * n * total);
      unit[j].forEach((v, k) => (dUnit[k] += w * v));
    }
    const along = dot(dUnit, unit[i]);
    return dUnit.map((g, k) => (g - along * unit[i][k]) / norms[i]);
  });
  return { loss, gradient };
}

/** τ · log Σ_{i<j} exp(cos_ij/τ), float64. */
export function smoothMax(features: number[][], tau: number): number {
  const unit = features.map((f) => f.map((v) => v / norm(f)));
  let total = 0;
  for (let i = 0; i < unit.length; i++) for (let j = i + 1; j < unit.length; j++) total += Math.exp(dot(unit[i], unit[j]) / tau);
  return tau * Math.log(total);
}

/**
 * The four Stage I losses of raw features (row-major n × D), float64, in one O(n²D) loop over the
 * pairs (for sizes where arrays of rows and spread arguments would not do).
 */
export function pairLosses(features: ArrayLike<number>, n: number, dim: number, tau: number): { max: number; average: number; coded: number; smoothMax: number } {
  const unit = new Float64Array(n * dim);
  for (let r = 0; r < n; r++) {
    let squares = 0;
    for (let k = 0; k < dim; k++) squares += features[r * dim + k] ** 2;
    const length = Math.sqrt(squares);
    for (let k = 0; k < dim; k++) unit[r * dim + k] = features[r * dim + k] / length;
  }
  let maxCos = -Infinity;
  let average = 0;
  let smooth = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let c = 0;
      for (let k = 0; k < dim; k++) c += unit[i * dim + k] * unit[j * dim + k];
      maxCos = Math.max(maxCos, c);
      average += Math.exp(4 * (c - 1)); // exp(−t‖û_i − û_j‖²), t = 2
      smooth += Math.exp(c / tau);
    }
  }
  const pairs = (n * (n - 1)) / 2;
  return {
    max: 4 * (maxCos - 1),
    average: Math.log(average / pairs),
    coded: Math.log((smooth + (n * (n + 1)) / 2) / pairs) / n,
    smoothMax: tau * Math.log(smooth),
  };
}

/** softmax₁ as a softmax over the scores and one extra zero logit, the extra weight dropped. */
export function softmax1(z: number[]): number[] {
  return softmax([...z, 0]).slice(0, -1);
}

/** Softmax over the entries `kept` marks: left-out scores set to 0 ("zero") or given weight 0 ("excluded"). */
function softmaxOfKept(z: number[], kept: boolean[], mode: 'zero' | 'excluded', scale: number): number[] {
  if (mode === 'zero') return softmax(z.map((v, i) => (kept[i] ? v * scale : 0)));
  if (!kept.some(Boolean)) return z.map(() => 0);
  const inner = softmax(z.filter((_, i) => kept[i]));
  let next = 0;
  return z.map((_, i) => (kept[i] ? inner[next++] : 0));
}

/** Top-k softmax: entry i is kept when fewer than k entries rank above it (larger, or equal with a lower index). */
export function topkSoftmax(z: number[], k: number, mode: 'zero' | 'excluded'): number[] {
  const rank = (i: number) => z.filter((v, j) => v > z[i] || (v === z[i] && j < i)).length;
  return softmaxOfKept(z, z.map((_, i) => rank(i) < k), mode, 1);
}

/** Random-mask softmax with given uniform draws: entry i is masked when draws[i] < p; "zero" scales survivors by 1/(1 − p). */
export function randomMaskSoftmax(z: number[], p: number, draws: number[], mode: 'zero' | 'excluded'): number[] {
  return softmaxOfKept(z, draws.map((u) => u >= p), mode, mode === 'zero' ? 1 / (1 - p) : 1);
}
