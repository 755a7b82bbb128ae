/**
 * The Stage I separation losses over tiles of the pair matrix, for memory sets whose n × n cosine
 * matrix does not fit: the wasm heap is 4 GiB, and the full objectives (losses.ts, uhopPlusLoss.ts)
 * hold several n × n float32 tensors (at n = 10,000 they run out of it). Same losses, value and
 * gradient; at most one tile of cosines (about TILE_ENTRIES) lives at a time.
 *
 * Tiles: row block [a, b) against columns [a, b) (the pairs i < j inside the block, masked) and
 * against columns [b, n). Tile results are combined in float64 (log-sum-exp by the running
 * maximum, gradients summed into one n × D array). With û_i = Φ(x_i)/‖Φ(x_i)‖ and c_ij = û_i·û_j:
 *   max         L = 2t (max_{i<j} c_ij − 1)                                        ∂L/∂c = 2t at the closest pair
 *   average     L = LSE_{i<j} 2t(c_ij − 1) − log P,  P = n(n−1)/2                  ∂L/∂c_ij = 2t p_ij
 *   smooth-max  L = τ LSE_{i<j} c_ij/τ                                              ∂L/∂c_ij = p_ij
 *   coded       L = (log(Σ_{i<j} e^{c_ij/τ} + n(n+1)/2) − log P)/n  (the zero entries of triu(S, 1)
 *               each add e⁰), gradient through the left factor only: ∂L/∂û_i = Σ_{j>i} p_ij û_j/(nτ)
 * with p the softmax weights of the same sum. ∂L/∂Wᵀ then goes through the row normalisation and
 * Φ = XWᵀ by tfjs autodiff of Σ normalize(XWᵀ) ⊙ ∂L/∂û, so the tail is the full objective's own.
 */
import { tf } from '../backend/tf.ts';
import { constantTimes, normalizeRows } from '../backend/ops.ts';
import { rowBlocks } from '../backend/blocks.ts';
import { UNIFORMITY_T, type LossOptions, type SeparationLossName } from './losses.ts';
import { upperPairs } from './pairs.ts';

/** Cosines per tile: 4M float32 = 16 MiB per tensor of the tile. */
export const TILE_ENTRIES = 1 << 22;

interface Tile {
  /** First and end row. */
  rows: [number, number];
  /** First and end column. */
  columns: [number, number];
  /** Columns = rows: only the pairs i < j count. */
  diagonal: boolean;
}

function tilesOf(n: number, tileEntries: number): Tile[] {
  return rowBlocks(n, n, tileEntries).flatMap(({ start, size }): Tile[] => {
    const end = start + size;
    const diagonal: Tile = { rows: [start, end], columns: [start, end], diagonal: true };
    return end < n ? [diagonal, { rows: [start, end], columns: [end, n], diagonal: false }] : [diagonal];
  });
}

function rowsOf(u: tf.Tensor2D, [start, end]: [number, number]): tf.Tensor2D {
  return tf.slice(u, [start, 0], [end - start, -1]);
}

/** scale · c over one tile (scale folded into the left factor), −∞ off the pairs i < j of a diagonal tile. */
function tileScores(u: tf.Tensor2D, tile: Tile, scale: number): tf.Tensor2D {
  const left = rowsOf(u, tile.rows);
  const right = tile.diagonal ? left : rowsOf(u, tile.columns);
  const scores = tf.matMul(scale === 1 ? left : tf.mul(left, scale), tf.transpose(right)) as tf.Tensor2D;
  return tile.diagonal ? upperPairs(scores) : scores;
}

interface PairSoftmax {
  /** log Σ_{i<j} exp(scale·c_ij), −∞ when there is no pair. */
  logSumExp: number;
  /**
   * With p_ij = exp(scale·c_ij − logSumExp): Σ_{j>i} p_ij û_j on row i, plus Σ_{i<j} p_ij û_i on
   * row j when both factors count (n × D); null when not asked for.
   */
  weighted: Float64Array | null;
}

/**
 * One pass over the tiles. Each tile is exponentiated against its own maximum and added in at the
 * running maximum (the sums and rows gathered so far are rescaled when it rises), so value and
 * gradient come from the same exponentials.
 */
function pairSoftmax(u: tf.Tensor2D, tiles: Tile[], scale: number, factors: 'none' | 'left' | 'both'): PairSoftmax {
  const [n, dim] = u.shape;
  const weighted = factors === 'none' ? null : new Float64Array(n * dim);
  const addRows = (values: ArrayLike<number>, firstRow: number, factor: number) => {
    const offset = firstRow * dim;
    for (let k = 0; k < values.length; k++) weighted![offset + k] += factor * values[k];
  };
  let max = -Infinity;
  let sum = 0;
  for (const tile of tiles) {
    const parts = tf.tidy(() => {
      const scores = tileScores(u, tile, scale);
      const m = tf.max(scores);
      const e = tf.exp(tf.sub(scores, m));
      const out = [m, tf.sum(e, 1)];
      if (factors === 'none') return out;
      const left = rowsOf(u, tile.rows);
      const right = tile.diagonal ? left : rowsOf(u, tile.columns);
      out.push(tf.matMul(e, right));
      if (factors === 'both') out.push(tf.matMul(tf.transpose(e), left));
      return out;
    });
    const m = parts[0].dataSync()[0];
    if (m !== -Infinity) {
      let tileSum = 0;
      for (const value of parts[1].dataSync()) tileSum += value;
      let factor = 1;
      if (m > max) {
        const rescale = Math.exp(max - m);
        sum *= rescale;
        if (weighted && max !== -Infinity) for (let k = 0; k < weighted.length; k++) weighted[k] *= rescale;
        max = m;
      } else factor = Math.exp(m - max);
      sum += factor * tileSum;
      if (parts[2]) addRows(parts[2].dataSync(), tile.rows[0], factor);
      if (parts[3]) addRows(parts[3].dataSync(), tile.columns[0], factor);
    }
    tf.dispose(parts);
  }
  if (weighted) for (let k = 0; k < weighted.length; k++) weighted[k] /= sum;
  return { logSumExp: max + Math.log(sum), weighted };
}

interface ClosestPair {
  i: number;
  j: number;
  cosine: number;
}

/** Largest c_ij over i < j, the first in row-major order on ties (as the full objective's argMax). */
function closestPair(u: tf.Tensor2D, tiles: Tile[]): ClosestPair {
  let best: ClosestPair = { i: 0, j: 1, cosine: -Infinity };
  for (const tile of tiles) {
    const [tileMax, tileArgMax] = tf.tidy(() => {
      const flat = tf.reshape(tileScores(u, tile, 1), [-1]);
      return [tf.max(flat), tf.argMax(flat)];
    });
    const cosine = tileMax.dataSync()[0];
    const index = tileArgMax.dataSync()[0];
    tf.dispose([tileMax, tileArgMax]);
    const width = tile.columns[1] - tile.columns[0];
    const i = tile.rows[0] + Math.floor(index / width);
    const j = tile.columns[0] + (index % width);
    if (cosine > best.cosine || (cosine === best.cosine && (i < best.i || (i === best.i && j < best.j)))) best = { i, j, cosine };
  }
  return best;
}

/** ∂L/∂û of the max loss: 2t û_j on row i and 2t û_i on row j. */
function closestPairGradient(u: tf.Tensor2D, { i, j }: ClosestPair): Float64Array {
  const [n, dim] = u.shape;
  const gradient = new Float64Array(n * dim);
  const [ui, uj] = tf.tidy(() => [rowsOf(u, [i, i + 1]), rowsOf(u, [j, j + 1])]);
  const [vi, vj] = [ui.dataSync(), uj.dataSync()];
  tf.dispose([ui, uj]);
  for (let k = 0; k < dim; k++) {
    gradient[i * dim + k] = 2 * UNIFORMITY_T * vj[k];
    gradient[j * dim + k] = 2 * UNIFORMITY_T * vi[k];
  }
  return gradient;
}

interface LossTerms {
  value: number;
  /** ∂L/∂û (n × D); null when not asked for. */
  unitGradient: Float64Array | null;
}

function scaled(values: Float64Array | null, factor: number): Float64Array | null {
  if (values) for (let k = 0; k < values.length; k++) values[k] *= factor;
  return values;
}

function lossTerms(name: SeparationLossName, u: tf.Tensor2D, tiles: Tile[], options: LossOptions, withGradient: boolean): LossTerms {
  const n = u.shape[0];
  const logPairs = Math.log((n * (n - 1)) / 2);
  const t2 = 2 * UNIFORMITY_T;
  if (name === 'max') {
    const pair = closestPair(u, tiles);
    return { value: t2 * (pair.cosine - 1), unitGradient: withGradient ? closestPairGradient(u, pair) : null };
  }
  if (name === 'average') {
    // LSE of 2t(c − 1) = LSE of 2t·c, minus 2t
    const { logSumExp, weighted } = pairSoftmax(u, tiles, t2, withGradient ? 'both' : 'none');
    return { value: logSumExp - t2 - logPairs, unitGradient: scaled(weighted, t2) };
  }
  const tau = options.tau;
  if (options.lossForm === 'smooth-max') {
    const { logSumExp, weighted } = pairSoftmax(u, tiles, 1 / tau, withGradient ? 'both' : 'none');
    return { value: tau * logSumExp, unitGradient: weighted };
  }
  const { logSumExp, weighted } = pairSoftmax(u, tiles, 1 / tau, withGradient ? 'left' : 'none');
  // the n(n+1)/2 entries on and below the diagonal of triu(S, 1) are 0 and each add exp(0) = 1
  const zeros = (n * (n + 1)) / 2;
  const shift = Math.max(logSumExp, 0);
  const all = shift + Math.log(Math.exp(logSumExp - shift) + zeros * Math.exp(-shift));
  return { value: (all - logPairs) / n, unitGradient: scaled(weighted, Math.exp(logSumExp - all) / (n * tau)) };
}

export interface TiledObjective {
  /** L(Wᵀ). */
  value(weightsT: tf.Tensor2D): number;
  /** L(Wᵀ) and scale · ∂L/∂Wᵀ (the caller owns the gradient). */
  valueAndGradient(weightsT: tf.Tensor2D, scale: number): { value: number; gradient: tf.Tensor2D };
  dispose(): void;
}

/** The objective of a named loss on training memories x (rows), over tiles of about `tileEntries` pairs. */
export function tiledObjective(name: SeparationLossName, x: tf.Tensor2D, options: LossOptions, tileEntries = TILE_ENTRIES): TiledObjective {
  const n = x.shape[0];
  if (n < 2) throw new Error(`a separation loss needs at least 2 rows, got ${n}`);
  const tiles = tilesOf(n, tileEntries);
  const linear = constantTimes(x);
  const unitFeatures = (weightsT: tf.Tensor2D) => tf.tidy(() => normalizeRows(tf.matMul(x, weightsT)));
  return {
    value(weightsT) {
      const u = unitFeatures(weightsT);
      const { value } = lossTerms(name, u, tiles, options, false);
      u.dispose();
      return value;
    },
    valueAndGradient(weightsT, scale) {
      const u = unitFeatures(weightsT);
      const terms = lossTerms(name, u, tiles, options, true);
      const unitGradient = terms.unitGradient!;
      u.dispose();
      for (let k = 0; k < unitGradient.length; k++) unitGradient[k] *= scale;
      const upstream = tf.tensor2d(new Float32Array(unitGradient), [n, weightsT.shape[1]]);
      const gradient = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(normalizeRows(linear.apply(w as tf.Tensor2D)), upstream)) as tf.Scalar)(weightsT) as tf.Tensor2D;
      upstream.dispose();
      return { value: terms.value, gradient };
    },
    dispose: linear.dispose,
  };
}
