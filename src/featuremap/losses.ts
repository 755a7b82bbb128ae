/**
 * Separation losses of Stage I on features Φ(ξ) (rows), computed on the normalised features
 * φ̂ = Φ(ξ)/‖Φ(ξ)‖ as the official code (F.normalize). For unit vectors ‖φ̂_i − φ̂_j‖² = 2 − 2cos_ij,
 * so both losses are written with the cosine (Gram) matrix: one flag-free matMul.
 */
import { tf } from '../backend/tf.ts';
import { constantTimes, gram, logSumExpAll, normalizeRows } from '../backend/ops.ts';
import { codedUhopPlusLoss, smoothMaxLoss } from './uhopPlusLoss.ts';
import { upperPairs } from './pairs.ts';

/** t in exp(−t‖φ̂_i − φ̂_j‖²): the official uniformity loss uses t = 2. */
export const UNIFORMITY_T = 2;

export type SeparationLossName = 'max' | 'average' | 'uhop-plus';

export interface LossOptions {
  /** uhop-plus temperature. */
  tau: number;
  /** uhop-plus: the official code's form or the paper's smooth maximum. */
  lossForm: 'coded' | 'smooth-max';
}

export type SeparationLoss = (features: tf.Tensor2D, options: LossOptions) => tf.Scalar;

/** −t‖φ̂_i − φ̂_j‖² = 2t(cos_ij − 1) for pairs i < j, −∞ elsewhere. */
function pairExponents(features: tf.Tensor2D): tf.Tensor2D {
  return upperPairs(tf.mul(tf.sub(gram(normalizeRows(features)), 1), 2 * UNIFORMITY_T) as tf.Tensor2D);
}

/**
 * Max loss (official `uniform_loss_max`, capacity scripts): max_{i<j} log exp(−t‖φ̂_i − φ̂_j‖²)
 * = −2·min pair distance²; only the closest pair receives gradient.
 */
export const maxSeparationLoss: SeparationLoss = (features) => tf.tidy(() => tf.max(pairExponents(features)) as tf.Scalar);

/**
 * Average loss (Definition 2.2 as coded in `uniform_loss`): log mean_{i<j} exp(−t‖φ̂_i − φ̂_j‖²),
 * the Wang–Isola uniformity loss.
 */
export const averageSeparationLoss: SeparationLoss = (features) =>
  tf.tidy(() => {
    const n = features.shape[0];
    const pairs = (n * (n - 1)) / 2;
    return tf.sub(logSumExpAll(pairExponents(features)), Math.log(pairs)) as tf.Scalar;
  });

export const separationLosses: Record<SeparationLossName, SeparationLoss> = {
  max: maxSeparationLoss,
  average: averageSeparationLoss,
  'uhop-plus': (features, options) => (options.lossForm === 'coded' ? codedUhopPlusLoss : smoothMaxLoss)(features, options.tau),
};

/** The Stage I objective as a function of Wᵀ, for fixed training memories. */
export interface StageIObjective {
  apply(weightsT: tf.Tensor2D): tf.Scalar;
  dispose(): void;
}

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * The max loss as a function of Wᵀ with a fused gradient. Only the closest pair (i, j) gets
 * gradient: with f = Wᵀ-features, c = cos(f_i, f_j) and û = f/‖f‖,
 *   ∂c/∂f_i = (û_j − c·û_i)/‖f_i‖,   ∂L/∂Wᵀ = 2t·(x_i ⊗ ∂c/∂f_i + x_j ⊗ ∂c/∂f_j),
 * a rank-2 product instead of the full xᵀ·dF of autodiff (same value, tested against it).
 */
function maxLossObjective(x: tf.Tensor2D): StageIObjective {
  const n = x.shape[0];
  const apply = tf.customGrad(((w: tf.Tensor, save: tf.GradSaveFunc) => {
    const features = tf.matMul(x, w as tf.Tensor2D);
    const norms = tf.maximum(tf.sqrt(tf.sum(tf.square(features), 1, true)), 1e-12);
    const unit = tf.div(features, norms) as tf.Tensor2D;
    const flat = tf.reshape(upperPairs(tf.matMul(unit, tf.transpose(unit))), [-1]);
    const best = tf.argMax(flat);
    const largestCosine = tf.gather(flat, best);
    save([unit, norms, best, largestCosine]);
    return {
      value: tf.mul(tf.sub(largestCosine, 1), 2 * UNIFORMITY_T),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedUnit, savedNorms, savedBest, cosine] = saved;
        const size = tf.scalar(n, 'int32');
        const pair = tf.stack([tf.floorDiv(savedBest, size), tf.mod(savedBest, size)]) as tf.Tensor1D;
        const u = tf.gather(savedUnit, pair);
        const dCos = tf.div(tf.sub(tf.reverse(u, 0), tf.mul(cosine, u)), tf.gather(savedNorms, pair));
        const dFeatures = tf.mul(dCos, tf.mul(dy, 2 * UNIFORMITY_T));
        return [tf.matMul(tf.transpose(tf.gather(x, pair)) as tf.Tensor2D, dFeatures as tf.Tensor2D)];
      },
    };
  }) as CustomGradientFunc) as (w: tf.Tensor2D) => tf.Scalar;
  return { apply, dispose: () => {} };
}

/** The objective of a named loss on training memories x (rows). */
export function stageIObjective(name: SeparationLossName, x: tf.Tensor2D, options: LossOptions = { tau: 0.1, lossForm: 'coded' }): StageIObjective {
  if (name === 'max') return maxLossObjective(x);
  const linear = constantTimes(x);
  return { apply: (w) => separationLosses[name](linear.apply(w), options), dispose: linear.dispose };
}
