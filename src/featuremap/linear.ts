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
  for (let row = 0; row < featureDim; row++) {
    for (let col = 0; col < inputDim; col++) wT[col * featureDim + row] = w[row * inputDim + col];
  }
  if (options.bias) {
    const bound = 1 / Math.sqrt(inputDim);
    for (let j = 0; j < featureDim; j++) wT[inputDim * featureDim + j] = (2 * rng.next() - 1) * bound;
  }
  return wT;
}
