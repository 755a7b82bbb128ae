/** Initial weights of the linear feature map Φ(x) = Wx (+ b), W ∈ R^{D_Φ × d}. */
import { normalArray, type Rng } from '../random/prng.ts';

export interface InitOptions {
  /** normal: N(0, std²) (U-Hop: torch.randn); kaiming-normal: N(0, 2/d) (U-Hop+: kaiming_normal_, relu gain). */
  init: 'normal' | 'kaiming-normal';
  initStd: number;
  /** Also draw b_0 ~ U(−1/√d, 1/√d), torch nn.Linear's default bias init. */
  bias: boolean;
}

/**
 * W_0 drawn in W's row-major order and returned transposed, as Wᵀ (d × D_Φ), the layout retrieval
 * and training use; with a bias, b_0 is appended as a last row ((d + 1) × D_Φ).
 */
export function initialWeightsT(inputDim: number, featureDim: number, options: InitOptions, rng: Rng): Float32Array {
  const std = options.init === 'kaiming-normal' ? Math.sqrt(2 / inputDim) : options.initStd;
  const w = normalArray(rng, featureDim * inputDim, std);
  const rows = options.bias ? inputDim + 1 : inputDim;
  const wT = new Float32Array(rows * featureDim);
  // transposed in 32 × 32 tiles: a plain double loop strides through memory on every write
  const TILE = 32;
  for (let row0 = 0; row0 < featureDim; row0 += TILE) {
    for (let col0 = 0; col0 < inputDim; col0 += TILE) {
      const rowEnd = Math.min(row0 + TILE, featureDim);
      const colEnd = Math.min(col0 + TILE, inputDim);
      for (let row = row0; row < rowEnd; row++) {
        for (let col = col0; col < colEnd; col++) wT[col * featureDim + row] = w[row * inputDim + col];
      }
    }
  }
  if (options.bias) {
    const bound = 1 / Math.sqrt(inputDim);
    for (let j = 0; j < featureDim; j++) wT[inputDim * featureDim + j] = (2 * rng.next() - 1) * bound;
  }
  return wT;
}
