/** Expands a config into its cells: one per memory count M × D_Φ × seed (models stay together). */
import type { ResolvedConfig } from '../config/parity.ts';
import type { CellKey } from '../experiments/cell.ts';

export function expandCells(config: ResolvedConfig): CellKey[] {
  const dims = config.featureMap.dim ?? [null];
  return config.memories.flatMap((memories) => dims.flatMap((featureDim) => config.seeds.map((seed) => ({ memories, seed, featureDim }))));
}
