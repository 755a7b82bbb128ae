/**
 * The space memories are scored in: the raw pixels (dense/sparse Hopfield, UHN) or the features
 * Φ(x) = Wx of a learned linear map (U-Hop, KHM). Memory features are computed once per cell.
 */
import { tf } from '../backend/tf.ts';
import type { MemoryFeatures } from './similarities.ts';

export interface FeatureSpace {
  /** Features of some states (rows), as a new tensor. */
  project(states: tf.Tensor2D): tf.Tensor2D;
  memories: MemoryFeatures;
  /** Φ's parameters, for a linear space (another thread rebuilds the space from them). */
  linear?: { weightsT: tf.Tensor2D; bias: tf.Tensor2D | null };
  dispose(): void;
}

/** `owned`: tensors the space disposes with itself. */
function withMemoryFeatures(rows: tf.Tensor2D, project: FeatureSpace['project'], owned: tf.Tensor[]): FeatureSpace {
  const cols = tf.transpose(rows);
  return {
    project,
    memories: { rows, cols },
    dispose: () => [cols, ...owned].forEach((t) => t.dispose()),
  };
}

/** Identity features: scores use the memories themselves. */
export function pixelSpace(memories: tf.Tensor2D): FeatureSpace {
  return withMemoryFeatures(memories, (states) => tf.clone(states) as tf.Tensor2D, []);
}

/**
 * Φ(x) = Wx (+ b), given as Wᵀ (d × D_Φ) so that features of row-major states are one flag-free
 * matMul. The space keeps its own references: the caller may dispose its copies.
 */
export function linearSpace(memories: tf.Tensor2D, weightsT: tf.Tensor2D, bias?: tf.Tensor): FeatureSpace {
  const weights = tf.clone(weightsT) as tf.Tensor2D;
  const offset = bias ? (tf.reshape(bias, [1, -1]) as tf.Tensor2D) : null;
  const project = (states: tf.Tensor2D) =>
    offset ? tf.tidy(() => tf.add(tf.matMul(states, weights), offset) as tf.Tensor2D) : (tf.matMul(states, weights) as tf.Tensor2D);
  const rows = project(memories);
  return { ...withMemoryFeatures(rows, project, offset ? [rows, weights, offset] : [rows, weights]), linear: { weightsT: weights, bias: offset } };
}
