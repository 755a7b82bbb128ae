/** Initial weights of the linear feature map Φ(x) = Wx (+ b), W ∈ R^{D_Φ × d}. */
import { fillNormal, type Rng } from '../random/prng.ts';
import { scratchFloat32 } from '../backend/scratch.ts';

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
  const rows = options.bias ? inputDim + 1 : inputDim;
  return initialWeightsInto(inputDim, featureDim, options, rng, new Float32Array(rows * featureDim));
}

/** initialWeightsT written into `wT` (all of it: (d + 1) × D_Φ with a bias), which is returned. */
export function initialWeightsInto(inputDim: number, featureDim: number, options: InitOptions, rng: Rng, wT: Float32Array): Float32Array {
  const std = options.init === 'kaiming-normal' ? Math.sqrt(2 / inputDim) : options.initStd;
  // W itself is only read by the transpose: a scratch slot, not a fresh buffer per cell
  const w = fillNormal(rng, scratchFloat32('phi-init/w', featureDim * inputDim), std);
  transposeInto(w, featureDim, inputDim, wT);
  if (options.bias) {
    const bound = 1 / Math.sqrt(inputDim);
    for (let j = 0; j < featureDim; j++) wT[inputDim * featureDim + j] = (2 * rng.next() - 1) * bound;
  }
  return wT;
}

/** Tiles of 32 × 32 in transposing: a strided write per value had cost a cache miss (0.8 s over the 60 cells of configs/mnist.json). */
const TILE = 32;

/** out (cols × rows) = aᵀ for a row-major rows × cols. */
export function transposeInto(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let rowStart = 0; rowStart < rows; rowStart += TILE) {
    const rowEnd = Math.min(rows, rowStart + TILE);
    for (let colStart = 0; colStart < cols; colStart += TILE) {
      const colEnd = Math.min(cols, colStart + TILE);
      for (let row = rowStart; row < rowEnd; row++) {
        for (let col = colStart; col < colEnd; col++) out[col * rows + row] = a[row * cols + col];
      }
    }
  }
}
