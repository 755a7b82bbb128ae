/**
 * Which Stage I solver a training run takes, decided from its settings alone: the cost model and
 * the early worker start ask it before tfjs is loaded, so this module imports no tensors.
 */
import type { StageIOptions } from './train.ts';

/** The float64 max-loss path holds K and G (16 n² bytes); up to 2 GiB of them, n ≤ 11,585. */
const FUSED_MAX_LOSS_BYTES = 2 ** 31;

/** The official capacity protocol (max loss, plain full-batch SGD, no projection) has a float64 path. */
export function fusedMaxLossApplies(n: number, options: Pick<StageIOptions, 'loss' | 'optimizer' | 'project' | 'batchSize' | 'solver'>): boolean {
  const fullBatch = !options.batchSize || options.batchSize >= n;
  const fits = 16 * n * n <= FUSED_MAX_LOSS_BYTES;
  return (options.solver ?? 'auto') === 'auto' && options.loss === 'max' && options.optimizer === 'sgd' && !options.project && fullBatch && fits;
}
