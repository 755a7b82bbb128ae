/**
 * @tensorflow/tfjs, loaded with require(): an ESM `import` of its CommonJS bundles makes Node scan
 * each of them for export names, ~0.5 s more in every thread that starts (the main one and each
 * worker). Backends (wasm, tfjs-node) register themselves with the same tfjs-core instance.
 * (tfjs-core alone would load faster still, but only the full bundle registers the gradients.)
 */
import { createRequire } from 'node:module';
import type * as Core from '@tensorflow/tfjs';
import { withTfjsCodeCache } from '../io/codeCache.ts';

export const tf: typeof Core = withTfjsCodeCache(() => createRequire(import.meta.url)('@tensorflow/tfjs'));

/** The tfjs types uhop's modules name as tf.X. */
export declare namespace tf {
  export type Tensor<R extends Core.Rank = Core.Rank> = Core.Tensor<R>;
  export type Scalar = Core.Scalar;
  export type Tensor1D = Core.Tensor1D;
  export type Tensor2D = Core.Tensor2D;
  export type Variable<R extends Core.Rank = Core.Rank> = Core.Variable<R>;
  export type TensorInfo = Core.TensorInfo;
  export type GradSaveFunc = Core.GradSaveFunc;
  export type NamedTensorInfoMap = Core.NamedTensorInfoMap;
  export type NamedAttrMap = Core.NamedAttrMap;
  export type KernelConfig = Core.KernelConfig;
}
