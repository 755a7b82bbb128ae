/** Initial weights of the linear feature map Φ(x) = Wx, W ∈ R^{D_Φ × d}. */
import { normalArray, type Rng } from '../random/prng.ts';

/**
 * W_0 with i.i.d. N(0, std²) entries (official U-Hop: torch.randn(d, d), std 1), drawn in W's
 * row-major order and returned transposed, as Wᵀ (d × D_Φ), the layout retrieval and training use.
 */
export function initialWeightsT(inputDim: number, featureDim: number, std: number, rng: Rng): Float32Array {
  const w = normalArray(rng, featureDim * inputDim, std);
  const wT = new Float32Array(inputDim * featureDim);
  for (let row = 0; row < featureDim; row++) {
    for (let col = 0; col < inputDim; col++) wT[col * featureDim + row] = w[row * inputDim + col];
  }
  return wT;
}
