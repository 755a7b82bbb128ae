/**
 * Stage I: gradient descent on a separation loss over the memories' features Φ(ξ) = Wξ (+ b).
 * Plain SGD as the U-Hop code, Adam as the U-Hop+ code; full batch or minibatches; optional
 * projection of W's rows onto the unit sphere (the U-Hop+ paper's PGD); optional plateau stop.
 */
import type { Rank } from '@tensorflow/tfjs';
import { tf } from '../backend/tf.ts';
import { permutation, type Rng } from '../random/prng.ts';
import { gemm64 } from '../backend/gemm64.ts';
import { copyRows } from '../backend/rows.ts';
import { peekValues, writtenTensor2d } from '../backend/heap.ts';
import { scratchFloat64 } from '../backend/scratch.ts';
import { stageIObjective, UNIFORMITY_T, type LossOptions, type SeparationLossName, type StageIObjective } from './losses.ts';
import { trainMaxLossSgd } from './maxLossSgd.ts';
import { tiledObjective } from './tiledLoss.ts';
import { fusedMaxLossApplies } from './solverChoice.ts';
import { adamFor } from './adam.ts';

export interface StageIOptions extends LossOptions {
  loss: SeparationLossName;
  epochs: number;
  lr: number;
  /** "inverse-sqrt-factorial": official train_kernel, lr ← lr/√(t+1) after step t, so lr_t = lr/√(t!). */
  lrSchedule: 'constant' | 'inverse-sqrt-factorial';
  optimizer: 'sgd' | 'adam';
  /** Renormalise W's rows (Wᵀ's columns, bias row excluded) to unit length after each step. */
  project: boolean;
  /** Training memories per step, reshuffled each epoch from `rng`; null = full batch. */
  batchSize: number | null;
  plateau: { patience: number; minDelta: number } | null;
  /** Wᵀ's last row is the bias (inputs carry a trailing 1). */
  bias: boolean;
  rng?: Rng;
  /**
   * "tensor" forces the generic path (tfjs objective and gradient each step) where the float64
   * max-loss SGD path would apply; "tiled" goes further and computes every objective over tiles
   * of about `tileEntries` pairs whatever n is. Tests compare them.
   */
  solver?: 'auto' | 'tensor' | 'tiled';
  tileEntries?: number;
  /**
   * Loss curve checkpoints at epoch 0, every `every` epochs (0: none between) and after the last:
   * Δ_min of the training features there (`deltaMin` of Wᵀ), and with minibatches the loss of the
   * whole training set. Read-only: the trajectory is the same with or without.
   */
  curve?: { every: number; deltaMin(weightsT: tf.Tensor2D): number };
}

/** A loss-curve checkpoint after `epoch` epochs. */
export interface StageICheckpoint {
  epoch: number;
  deltaMin: number;
  /** Loss of the whole training set (minibatch training only; null when `losses` has it). */
  fullLoss: number | null;
}

export interface StageIResult {
  /** Trained Wᵀ (d × D_Φ, plus the bias row); the caller owns it. */
  weightsT: tf.Tensor2D;
  /** Loss of each epoch before its updates (the mean over its minibatches); length = epochs run. */
  losses: number[];
  /** Loss of the trained weights. */
  lossAfter: number;
  /** With `options.curve`: the checkpoints, epoch ascending (the last one after the last epoch run). */
  checkpoints: StageICheckpoint[];
}

/** Whether a checkpoint falls after `epoch` epochs (the one after the last epoch is added by the trainer). */
function isCheckpoint(epoch: number, every: number): boolean {
  return epoch === 0 || (every > 0 && epoch % every === 0);
}

export function learningRateAt(step: number, options: Pick<StageIOptions, 'lr' | 'lrSchedule'>): number {
  let lr = options.lr;
  if (options.lrSchedule === 'inverse-sqrt-factorial') for (let t = 0; t < step; t++) lr /= Math.sqrt(t + 1);
  return lr;
}

/** W's rows (Wᵀ's columns) scaled to unit norm; a bias row is kept as it is. */
function projectRows(weightsT: tf.Tensor2D, bias: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, cols] = weightsT.shape;
    const w = bias ? tf.slice(weightsT, [0, 0], [rows - 1, cols]) : weightsT;
    const unit = tf.div(w, tf.maximum(tf.sqrt(tf.sum(tf.square(w), 0, true)), 1e-12));
    return (bias ? tf.concat([unit, tf.slice(weightsT, [rows - 1, 0], [1, cols])], 0) : unit) as tf.Tensor2D;
  });
}

/** Row indices of each step of one epoch (one null = the full batch). */
function epochBatches(n: number, options: StageIOptions): Array<Int32Array | null> {
  if (!options.batchSize || options.batchSize >= n) return [null];
  if (!options.rng) throw new Error('minibatches need a random generator');
  const order = permutation(options.rng, n);
  const batches: Int32Array[] = [];
  for (let start = 0; start + 1 < n; start += options.batchSize) batches.push(order.slice(start, start + options.batchSize));
  return batches;
}

/**
 * Up to this many training rows an objective is one tfjs expression over the n × n pairs; beyond,
 * the pairs go in tiles (tiledLoss.ts): a few n × n float32 tensors outgrow the 4 GiB wasm heap
 * near n = 10,000.
 */
export const FULL_LOSS_LIMIT = 4096;

/** A Stage I objective as the trainer uses it, whichever way it is computed. */
interface TrainingObjective {
  value(weightsT: tf.Tensor2D): number;
  /** L and scale · ∂L/∂Wᵀ (the caller owns the gradient). */
  valueAndGradient(weightsT: tf.Variable<Rank.R2>, scale: number): { value: number; gradient: tf.Tensor2D };
  dispose(): void;
}

function fullObjective(objective: StageIObjective): TrainingObjective {
  return {
    value(weightsT) {
      const value = tf.tidy(() => objective.apply(weightsT));
      const number = value.dataSync()[0];
      value.dispose();
      return number;
    },
    valueAndGradient(weightsT, scale) {
      // scale·L is differentiated, so the gradient arrives scaled and an SGD update is one pass over W
      const scaled = () => (scale === 1 ? objective.apply(weightsT) : (tf.mul(objective.apply(weightsT), scale) as tf.Scalar));
      const { value, grads } = tf.variableGrads(scaled, [weightsT]);
      const number = value.dataSync()[0] / scale;
      value.dispose();
      return { value: number, gradient: grads[weightsT.name] as tf.Tensor2D };
    },
    dispose: () => objective.dispose(),
  };
}

/** The objective of the loss on rows x: full up to FULL_LOSS_LIMIT rows, in tiles beyond. */
function objectiveFor(x: tf.Tensor2D, options: StageIOptions): TrainingObjective {
  if (x.shape[0] <= FULL_LOSS_LIMIT && options.solver !== 'tiled') return fullObjective(stageIObjective(options.loss, x, options));
  return tiledObjective(options.loss, x, options, options.tileEntries);
}

/**
 * out = a − b, each difference rounded to float32. A loop of its own: in the trainer, the loop got
 * the trainer optimised, and each cell's options object (a map of its own) deoptimised it again.
 */
function differenceInto(a: Float64Array, b: Float64Array, out: Float32Array): void {
  for (let index = 0; index < a.length; index++) out[index] = a[index] - b[index];
}

/**
 * K = X Xᵀ, F₀ = X W₀ᵀ and G₀ = F₀ F₀ᵀ in float64 from the float32 inputs, the SGD steps in float64,
 * then Wᵀ = W₀ᵀ − Xᵀ C rounded once to float32. Nothing on the way goes through a float32 matMul,
 * so the closest pair chosen at each step (near-ties are the norm once the max loss has spread
 * the memories) is the same on every backend.
 */
function trainMaxLossFused(train: tf.Tensor2D, initialWeightsT: tf.Tensor2D, full: TrainingObjective, options: StageIOptions): StageIResult {
  const [n, rows] = train.shape;
  const featureDim = initialWeightsT.shape[1];
  // float64 temporaries in the thread's scratch slots (none outlives this call); the inputs widened
  // straight from the tensors' values, with no float32 copy on the way
  const x = scratchFloat64('max-loss/x', n * rows);
  x.set(peekValues(train));
  const w0 = scratchFloat64('max-loss/w0', rows * featureDim);
  w0.set(peekValues(initialWeightsT));
  const features = gemm64(x, w0, n, rows, featureDim, false, false, scratchFloat64('max-loss/features', n * featureDim));
  const { coefficients, losses } = trainMaxLossSgd({
    kernel: gemm64(x, x, n, rows, n, false, true, scratchFloat64('max-loss/kernel', n * n)),
    features,
    gram: gemm64(features, features, n, featureDim, n, false, true, scratchFloat64('max-loss/gram', n * n)),
    n,
    featureDim,
    epochs: options.epochs,
    learningRate: { initial: options.lr, inverseSqrtFactorial: options.lrSchedule === 'inverse-sqrt-factorial' },
    plateau: options.plateau,
  });
  const change = gemm64(x, coefficients, rows, n, featureDim, true, false, scratchFloat64('max-loss/change', rows * featureDim));
  const weightsT = writtenTensor2d(rows, featureDim, (out) => differenceInto(w0, change, out));
  // the max loss is 2t(cos_max − 1): Δ_min = 1 − cos_max of each step comes with it; the last is measured
  const checkpoints: StageICheckpoint[] = [];
  if (options.curve) {
    losses.forEach((loss, epoch) => {
      if (isCheckpoint(epoch, options.curve!.every)) checkpoints.push({ epoch, deltaMin: -loss / (2 * UNIFORMITY_T), fullLoss: null });
    });
    checkpoints.push({ epoch: losses.length, deltaMin: options.curve.deltaMin(weightsT), fullLoss: null });
  }
  return { weightsT, losses, lossAfter: full.value(weightsT), checkpoints };
}

export function trainFeatureMap(train: tf.Tensor2D, initialWeightsT: tf.Tensor2D, options: StageIOptions): StageIResult {
  const n = train.shape[0];
  if (n < 2) throw new Error(`Stage I needs at least 2 memories, got ${n}`);
  const full = objectiveFor(train, options);
  if (fusedMaxLossApplies(n, options)) {
    const result = trainMaxLossFused(train, initialWeightsT, full, options);
    full.dispose();
    return result;
  }
  const weightsT = tf.variable(initialWeightsT, true, undefined, 'float32');
  const adam = options.optimizer === 'adam' ? adamFor(options.lr) : null;
  const losses: number[] = [];
  let step = 0;
  let best = Infinity;
  let sinceBest = 0;
  // minibatches are copied out of the training rows in JS (tf.gather is slow on wasm)
  let trainValues: Float32Array | null = null;
  const columns = train.shape[1];
  const minibatches = Boolean(options.batchSize && options.batchSize < n);
  const checkpoints: StageICheckpoint[] = [];
  const checkpoint = (epoch: number, fullLoss?: number) => {
    const loss = minibatches ? (fullLoss ?? full.value(weightsT)) : null;
    checkpoints.push({ epoch, deltaMin: options.curve!.deltaMin(weightsT), fullLoss: loss });
  };
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    if (options.curve && isCheckpoint(epoch, options.curve.every)) checkpoint(epoch);
    let epochLoss = 0;
    const batches = epochBatches(n, options);
    for (const batch of batches) {
      if (batch) trainValues ??= train.dataSync() as Float32Array;
      const rows = batch ? tf.tensor2d(copyRows(trainValues!, columns, batch), [batch.length, columns]) : null;
      const objective = rows ? objectiveFor(rows, options) : full;
      if (adam) {
        const { value, gradient } = objective.valueAndGradient(weightsT, 1);
        epochLoss += value;
        adam.step(weightsT, gradient);
        gradient.dispose();
      } else {
        const lr = learningRateAt(step, options);
        const { value, gradient } = objective.valueAndGradient(weightsT, lr);
        epochLoss += value;
        const updated = tf.sub(weightsT, gradient);
        weightsT.assign(updated as tf.Tensor2D);
        updated.dispose();
        gradient.dispose();
      }
      if (options.project) {
        const projected = projectRows(weightsT, options.bias);
        weightsT.assign(projected);
        projected.dispose();
      }
      if (rows) {
        objective.dispose();
        rows.dispose();
      }
      step++;
    }
    const loss = epochLoss / batches.length;
    losses.push(loss);
    if (options.plateau) {
      if (loss < best - options.plateau.minDelta) {
        best = loss;
        sinceBest = 0;
      } else if (++sinceBest >= options.plateau.patience) break;
    }
  }
  const lossAfter = full.value(weightsT);
  if (options.curve) checkpoint(losses.length, lossAfter);
  full.dispose();
  adam?.dispose();
  const result = tf.clone(weightsT) as tf.Tensor2D;
  weightsT.dispose();
  return { weightsT: result, losses, lossAfter, checkpoints };
}
