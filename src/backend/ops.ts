/**
 * The few tensor helpers whose speed matters. On the wasm backend only a matMul without
 * transpose flags reaches XNNPACK (~40 GFLOP/s here); any flag falls to a path ~10× slower,
 * and tfjs's built-in matMul gradient uses flags. So transposes are explicit and the trained
 * products carry a custom gradient whose backward pass is flag-free.
 */
import { tf } from './tf.ts';

/** tf.customGrad's parameter type: a function of tensors (and a save callback, last). */
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** a · bᵀ with an explicit transpose (no matMul flag). */
export function matMulTransposed(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(a, tf.transpose(b)));
}

/**
 * For a constant x (rows = samples), f(w) = x · w, differentiable in w only; the backward pass
 * dW = xᵀ · dy uses a transposed copy of x made once, so training steps never use a flag.
 */
export function constantTimes(x: tf.Tensor2D): { apply: (w: tf.Tensor2D) => tf.Tensor2D; dispose: () => void } {
  const xT = tf.transpose(x);
  const apply = tf.customGrad(((w: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: tf.matMul(x, w as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor) => [tf.matMul(xT, dy as tf.Tensor2D)],
    };
  }) as CustomGradientFunc) as (w: tf.Tensor2D) => tf.Tensor2D;
  return { apply, dispose: () => xT.dispose() };
}

/** Gram matrix a · aᵀ, with the flag-free gradient d(a·aᵀ) = (dy + dyᵀ) · a. */
export const gram = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a]);
  return {
    value: tf.matMul(a as tf.Tensor2D, tf.transpose(a as tf.Tensor2D)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(tf.add(dy, tf.transpose(dy)) as tf.Tensor2D, saved[0] as tf.Tensor2D),
    ],
  };
}) as CustomGradientFunc) as (a: tf.Tensor2D) => tf.Tensor2D;

/**
 * a · stopgrad(a)ᵀ: the Gram matrix with the gradient flowing through the left factor only,
 * d = dy · a (the U-Hop+ code detaches one factor: `x @ x.clone().detach().T`).
 */
export const gramStopRight = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a]);
  return {
    value: tf.matMul(a as tf.Tensor2D, tf.transpose(a as tf.Tensor2D)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(dy as tf.Tensor2D, saved[0] as tf.Tensor2D)],
  };
}) as CustomGradientFunc) as (a: tf.Tensor2D) => tf.Tensor2D;

/** Rows scaled to unit L2 norm, norms floored at 1e-12 as torch.nn.functional.normalize. */
export function normalizeRows(a: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(a, tf.maximum(tf.sqrt(tf.sum(tf.square(a), 1, true)), 1e-12)));
}

/**
 * log Σ exp(x) over every entry (−∞ entries count as 0), as a scalar with a fused gradient
 * dx = dy · softmax(x). tf.logSumExp differentiates through its max with an `equal` mask, which on
 * wasm costs 3.6 ms for a 256 × 256 input, more than the rest of a U-Hop+ step together; here one
 * softmax (XNNPACK) gives both the value, m − log p_max with m = max x, and the gradient.
 */
export const logSumExpAll = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const p = tf.softmax(tf.reshape(x, [1, -1]));
  save([p]);
  return {
    value: tf.sub(tf.max(x), tf.log(tf.max(p))),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.reshape(tf.mul(saved[0], dy), x.shape)],
  };
}) as CustomGradientFunc) as (x: tf.Tensor) => tf.Scalar;
