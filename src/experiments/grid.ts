/** Expands a config into its cells: one per memory count M × seed (models stay together). */
import type { ResolvedConfig } from '../config/parity.ts';
import type { CellKey } from './cell.ts';

export function expandCells(config: ResolvedConfig): CellKey[] {
  return config.memories.flatMap((memories) => config.seeds.map((seed) => ({ memories, seed })));
}
