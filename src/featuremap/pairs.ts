/** Masks over the pairs i < j of an n × n matrix, built in JS (a broadcast int32 compare costs ms on wasm). */
import { tf } from '../backend/tf.ts';

const penalties = new Map<number, Float32Array>();

/** n × n: 0 on pairs i < j, −∞ elsewhere (built in JS: a broadcast int32 compare costs ms on wasm). */
function upperPairsPenalty(n: number): Float32Array {
  let penalty = penalties.get(n);
  if (!penalty) {
    penalty = new Float32Array(n * n).fill(-Infinity);
    for (let i = 0; i < n; i++) penalty.fill(0, i * n + i + 1, (i + 1) * n);
    penalties.set(n, penalty);
  }
  return penalty;
}

/** Entries of `square` for pairs i < j, −∞ elsewhere. */
export function upperPairs(square: tf.Tensor2D): tf.Tensor2D {
  const n = square.shape[0];
  return tf.add(square, tf.tensor2d(upperPairsPenalty(n), [n, n])) as tf.Tensor2D;
}

const masks = new Map<number, Float32Array>();

/** n × n: 1 on pairs i < j, 0 elsewhere (torch.triu(·, diagonal=1)). */
export function strictUpperOnes(n: number): Float32Array {
  let mask = masks.get(n);
  if (!mask) {
    mask = new Float32Array(n * n);
    for (let i = 0; i < n; i++) mask.fill(1, i * n + i + 1, (i + 1) * n);
    masks.set(n, mask);
  }
  return mask;
}
