/** Stage I: gradient descent on a separation loss over the memories' features Φ(ξ) = Wξ. */
import * as tf from '@tensorflow/tfjs';
import { stageIObjective, type SeparationLossName } from './losses.ts';

export interface StageIOptions {
  loss: SeparationLossName;
  epochs: number;
  lr: number;
  /** "inverse-sqrt-factorial": official train_kernel, lr ← lr/√(t+1) after step t, so lr_t = lr/√(t!). */
  lrSchedule: 'constant' | 'inverse-sqrt-factorial';
}

export interface StageIResult {
  /** Trained Wᵀ (d × D_Φ); the caller owns it. */
  weightsT: tf.Tensor2D;
  /** Loss at each step, before that step's update (length = epochs). */
  losses: number[];
  /** Loss of the trained weights. */
  lossAfter: number;
}

export function learningRateAt(step: number, options: Pick<StageIOptions, 'lr' | 'lrSchedule'>): number {
  let lr = options.lr;
  if (options.lrSchedule === 'inverse-sqrt-factorial') for (let t = 0; t < step; t++) lr /= Math.sqrt(t + 1);
  return lr;
}

/** Plain full-batch SGD on Wᵀ (no momentum or decay), as the official trainers. */
export function trainFeatureMap(train: tf.Tensor2D, initialWeightsT: tf.Tensor2D, options: StageIOptions): StageIResult {
  if (train.shape[0] < 2) throw new Error(`Stage I needs at least 2 memories, got ${train.shape[0]}`);
  const objective = stageIObjective(options.loss, train);
  const weightsT = tf.variable(initialWeightsT, true, undefined, 'float32');
  const losses: number[] = [];
  for (let step = 0; step < options.epochs; step++) {
    const lr = learningRateAt(step, options);
    // lr·L is differentiated, so the gradient arrives scaled and the update is one pass over W
    const { value, grads } = tf.variableGrads(() => tf.mul(objective.apply(weightsT), lr) as tf.Scalar, [weightsT]);
    losses.push(value.dataSync()[0] / lr);
    const updated = tf.sub(weightsT, grads[weightsT.name]);
    weightsT.assign(updated as tf.Tensor2D);
    updated.dispose();
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
  }
  const after = tf.tidy(() => objective.apply(weightsT));
  const lossAfter = after.dataSync()[0];
  after.dispose();
  objective.dispose();
  const result = tf.clone(weightsT) as tf.Tensor2D;
  weightsT.dispose();
  return { weightsT: result, losses, lossAfter };
}
