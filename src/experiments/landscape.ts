/**
 * The two-dimensional figures of KHM / U-Hop+, math only: memories on the unit circle, Φ: R² → R²
 * trained by U-Hop+ for N iterations, and over a grid of states around the memories in feature
 * space either the energy (landscape) or the memory each state's retrieval converges to (basins).
 * As the official contours.py / basins.py: row N = 0 shows the raw memories, row N ≥ 1 the
 * normalised Φ_N(Ξ), and the grid states are points of feature space themselves (not Φ of them).
 */
import { tf } from '../backend/tf.ts';
import { caseBeta, type FigureCase, type ResolvedBasinsConfig, type ResolvedFigureConfig, type ResolvedLandscapeConfig } from '../config/figureSchema.ts';
import { normalArray, rngFor } from '../random/prng.ts';
import { initialWeightsT } from '../featuremap/linear.ts';
import { trainFeatureMap } from '../featuremap/train.ts';
import { separationLosses } from '../featuremap/losses.ts';
import { pixelSpace } from '../hopfield/featureSpace.ts';
import { retrievalStep, retrieve, stepLogits, type RetrievalSpec } from '../hopfield/retrieval.ts';
import { conjugates, stateEnergies } from '../hopfield/energy.ts';
import type { SeparationName } from '../config/schema.ts';

export type Point = [number, number];

export { panelMetrics, type PanelMetric } from './panelMetrics.ts';

export function separationLabel(alpha: number): string {
  return alpha === 1 ? 'softmax' : alpha === 2 ? 'sparsemax' : `${alpha}-entmax`;
}

export interface Grid {
  xs: number[];
  ys: number[];
  /** (xs[j], ys[i]) at index i·n + j, as numpy's meshgrid + ravel in the official scripts. */
  points: Point[];
}

export function normalise(points: Point[]): Point[] {
  return points.map(([x, y]) => {
    const length = Math.hypot(x, y);
    return [x / length, y / length];
  });
}

/** The case's memories: its points, or `count` Gaussian directions from the seed's generator, on the unit circle. */
export function circleMemories(spec: FigureCase, seed: number, caseIndex: number): Point[] {
  if (Array.isArray(spec.memories)) return normalise(spec.memories as Point[]);
  const draws = normalArray(rngFor(seed, caseIndex, 'circle-memories'), 2 * spec.memories);
  return normalise(Array.from({ length: spec.memories }, (_, i) => [draws[2 * i], draws[2 * i + 1]] as Point));
}

function linspace(from: number, to: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? to : from + ((to - from) * i) / (count - 1)));
}

/** size × size points over the memories' bounding box widened by `margin` on each side. */
export function gridAround(memories: Point[], size: number, margin: number): Grid {
  const xs = memories.map((p) => p[0]);
  const ys = memories.map((p) => p[1]);
  const gx = linspace(Math.min(...xs) - margin, Math.max(...xs) + margin, size);
  const gy = linspace(Math.min(...ys) - margin, Math.max(...ys) + margin, size);
  return { xs: gx, ys: gy, points: gy.flatMap((y) => gx.map((x) => [x, y] as Point)) };
}

/** Dot-product α-entmax retrieval with β as inverse temperature: x ← Ξ α-entmax(βΞx). */
export function separationSpec(alpha: number, beta: number, steps = 1): RetrievalSpec {
  const named: Record<number, SeparationName> = { 1: 'softmax', 1.5: 'entmax15', 2: 'sparsemax' };
  const separation = named[alpha] ?? 'entmax';
  return {
    similarity: 'dot',
    separation,
    degree: 0,
    ...(separation === 'entmax' ? { alpha } : {}),
    steps,
    beta,
    betaPlacement: 'logits',
    distanceSign: 'negative',
    tolerance: 0,
  };
}

/** Tsallis α-entropy of the uniform distribution over n (Shannon log n for α = 1). */
export function uniformEntropy(n: number, alpha: number): number {
  return alpha === 1 ? Math.log(n) : (1 - n ** (1 - alpha)) / (alpha * (alpha - 1));
}

/**
 * Energy of each state. textbook: E = ½‖x‖² − Ψ*_α(βΞx)/β (src/hopfield/energy.ts). official: the
 * forms the official contours.py plots: for softmax ½‖x‖² − lse(βΞx) (no 1/β), for α > 1 utils.energy,
 * which is the textbook energy plus the constant H_α(uniform)/β + max_μ ‖ξ_μ‖²/2.
 */
export function energiesAt(states: Point[], memories: Point[], alpha: number, beta: number, form: 'official' | 'textbook'): Float64Array {
  const spec = separationSpec(alpha, beta);
  const memoryTensor = tf.tensor2d(memories);
  const space = pixelSpace(memoryTensor);
  const values = tf.tidy(() => {
    const x = tf.tensor2d(states);
    const logits = stepLogits(space, x, spec);
    if (form === 'official' && alpha === 1) return tf.sub(tf.mul(tf.sum(tf.square(x), 1), 0.5), conjugates(logits, spec));
    return stateEnergies(space, x, logits, spec);
  });
  const energies = new Float64Array(values.dataSync());
  tf.dispose([values, memoryTensor]);
  space.dispose();
  if (form === 'official' && alpha !== 1) {
    const offset = uniformEntropy(memories.length, alpha) / beta + Math.max(...memories.map(([a, b]) => a * a + b * b)) / 2;
    for (let i = 0; i < energies.length; i++) energies[i] += offset;
  }
  return energies;
}

/** Final states of `steps` retrieval steps from each state. */
function retrieveFrom(states: Point[], memories: Point[], spec: RetrievalSpec): Point[] {
  const memoryTensor = tf.tensor2d(memories);
  const space = pixelSpace(memoryTensor);
  const queries = tf.tensor2d(states);
  const result = retrieve(memoryTensor, space, queries, spec);
  const flat = result.states.dataSync();
  tf.dispose([result.states, result.weights, queries, memoryTensor]);
  space.dispose();
  return states.map((_, i) => [flat[2 * i], flat[2 * i + 1]]);
}

/**
 * The memory each state converges to in `steps` retrieval steps: the index of the memory within
 * Euclidean distance < radius of the final state, −1 when there is none (a metastable mixture or
 * not yet converged: white in the figure).
 */
export function basinLabels(states: Point[], memories: Point[], alpha: number, beta: number, steps: number, radius: number): Int32Array {
  const ends = retrieveFrom(states, memories, separationSpec(alpha, beta, steps));
  return Int32Array.from(ends, ([x, y]) => {
    let label = -1;
    let best = radius;
    memories.forEach(([a, b], index) => {
      const distance = Math.hypot(x - a, y - b);
      if (distance < best) {
        best = distance;
        label = index;
      }
    });
    return label;
  });
}

/** Mean ‖T(ξ_μ) − ξ_μ‖ over the memories after one retrieval step: 0 when every memory is a fixed point. */
export function fixedPointMove(memories: Point[], alpha: number, beta: number): number {
  const memoryTensor = tf.tensor2d(memories);
  const space = pixelSpace(memoryTensor);
  const step = retrievalStep(memoryTensor, space, memoryTensor, separationSpec(alpha, beta));
  const moves = Array.from(step.change.dataSync());
  tf.dispose([step.states, step.weights, step.logits, step.change, step.features, memoryTensor]);
  space.dispose();
  return moves.reduce((a, b) => a + b, 0) / moves.length;
}

/** Δ_min = min_{μ≠ν} (1 − cos(ξ_μ, ξ_ν)). */
export function deltaMin(memories: Point[]): number {
  let smallest = Infinity;
  for (let i = 0; i < memories.length; i++) {
    for (let j = i + 1; j < memories.length; j++) {
      const [a, b] = [memories[i], memories[j]];
      smallest = Math.min(smallest, 1 - (a[0] * b[0] + a[1] * b[1]) / (Math.hypot(...a) * Math.hypot(...b)));
    }
  }
  return smallest;
}

/** Grid points strictly below all eight neighbours (interior points only: the box edge is no minimum). */
export function localMinima(values: ArrayLike<number>, size: number): number {
  let count = 0;
  for (let i = 1; i < size - 1; i++) {
    for (let j = 1; j < size - 1; j++) {
      const value = values[i * size + j];
      let lowest = true;
      for (let di = -1; di <= 1 && lowest; di++) {
        for (let dj = -1; dj <= 1; dj++) {
          if ((di !== 0 || dj !== 0) && !(value < values[(i + di) * size + j + dj])) {
            lowest = false;
            break;
          }
        }
      }
      if (lowest) count++;
    }
  }
  return count;
}

/** The memories one row of the figure shows, and the U-Hop+ loss of that configuration. */
export interface Snapshot {
  iterations: number;
  memories: Point[];
  loss: number;
}

function separationLossOf(points: Point[], config: ResolvedFigureConfig): number {
  const value = tf.tidy(() => separationLosses['uhop-plus'](tf.tensor2d(points), config.featureMap));
  const loss = value.dataSync()[0];
  value.dispose();
  return loss;
}

/**
 * Row N = 0: the raw memories; row N ≥ 1: normalise(Φ_N(Ξ)) with Φ_N after N full-batch U-Hop+ steps
 * from Φ_0 (the seed's Kaiming-normal W_0 and b_0). Each N trains afresh from Φ_0: the same
 * trajectory as one run stopped at N, for SGD and Adam alike.
 */
export function featureSnapshots(memories: Point[], config: ResolvedFigureConfig, seed: number, caseIndex: number): Snapshot[] {
  const options = config.featureMap;
  const rows = options.bias ? 3 : 2;
  const init = tf.tensor2d(initialWeightsT(2, 2, options, rngFor(seed, caseIndex, 'phi-init')), [rows, 2]);
  const inputs = tf.tensor2d(memories.map((p) => (options.bias ? [...p, 1] : [...p])));
  const snapshots = config.iterations.map((iterations): Snapshot => {
    if (iterations === 0) return { iterations, memories, loss: separationLossOf(memories, config) };
    const trained = trainFeatureMap(inputs, init, {
      loss: 'uhop-plus',
      tau: options.tau,
      lossForm: options.lossForm,
      epochs: iterations,
      lr: options.lr,
      lrSchedule: 'constant',
      optimizer: options.optimizer,
      project: false,
      batchSize: null,
      plateau: null,
      bias: options.bias,
    });
    const features = tf.matMul(inputs, trained.weightsT);
    const values = features.dataSync();
    tf.dispose([features, trained.weightsT]);
    const mapped = normalise(memories.map((_, i) => [values[2 * i], values[2 * i + 1]]));
    return { iterations, memories: mapped, loss: separationLossOf(mapped, config) };
  });
  tf.dispose([init, inputs]);
  return snapshots;
}

export interface Panel {
  case: number;
  seed: number;
  iterations: number;
  alpha: number;
  beta: number;
  memories: Point[];
  grid: Grid;
  /** Energy (landscape) or memory index, −1 for none (basins), per grid point. */
  values: Float64Array | Int32Array;
  metrics: Record<string, number>;
}

function landscapePanel(config: ResolvedLandscapeConfig, grid: Grid, snapshot: Snapshot, alpha: number, beta: number) {
  const values = energiesAt(grid.points, snapshot.memories, alpha, beta, config.energy);
  const atMemories = energiesAt(snapshot.memories, snapshot.memories, alpha, beta, config.energy);
  let [min, max, sum] = [Infinity, -Infinity, 0];
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const gridMean = sum / values.length;
  const memoryEnergy = atMemories.reduce((a, b) => a + b, 0) / atMemories.length;
  return {
    values,
    metrics: {
      gridMin: min,
      gridMax: max,
      gridMean,
      memoryEnergy,
      // how far below the grid's mean the memories sit, in units of the grid's energy range
      memoryDepth: (gridMean - memoryEnergy) / (max - min),
      localMinima: localMinima(values, config.grid),
    },
  };
}

function basinsPanel(config: ResolvedBasinsConfig, grid: Grid, snapshot: Snapshot, alpha: number, beta: number) {
  const values = basinLabels(grid.points, snapshot.memories, alpha, beta, config.steps, config.radius);
  const converged = values.filter((label) => label >= 0).length;
  return {
    values,
    metrics: { convergedShare: converged / values.length, basins: new Set(values.filter((label) => label >= 0)).size },
  };
}

/** Every panel: case × seed × iterations N × α, in that order. */
export function computeFigure(config: ResolvedFigureConfig): { panels: Panel[]; snapshots: Array<Snapshot & { case: number; seed: number }> } {
  const panels: Panel[] = [];
  const snapshots: Array<Snapshot & { case: number; seed: number }> = [];
  config.cases.forEach((spec, caseIndex) => {
    const beta = caseBeta(spec);
    for (const seed of config.seeds) {
      for (const snapshot of featureSnapshots(circleMemories(spec, seed, caseIndex), config, seed, caseIndex)) {
        snapshots.push({ ...snapshot, case: caseIndex, seed });
        const grid = gridAround(snapshot.memories, config.grid, config.margin);
        for (const alpha of config.alphas) {
          const { values, metrics } =
            config.kind === 'landscape' ? landscapePanel(config, grid, snapshot, alpha, beta) : basinsPanel(config, grid, snapshot, alpha, beta);
          panels.push({
            case: caseIndex,
            seed,
            iterations: snapshot.iterations,
            alpha,
            beta,
            memories: snapshot.memories,
            grid,
            values,
            metrics: { deltaMin: deltaMin(snapshot.memories), loss: snapshot.loss, fixedPointMove: fixedPointMove(snapshot.memories, alpha, beta), ...metrics },
          });
        }
      }
    }
  });
  return { panels, snapshots };
}
