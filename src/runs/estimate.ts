/**
 * Predicted seconds of the cells of a plan, and the worker count that makes a run fastest: more
 * workers only where there are cells (or a cell's blocks) to give them, since each worker costs a
 * start-up of its own.
 */
import { availableParallelism } from 'node:os';
import type { ResolvedConfig } from '../config/parity.ts';
import type { CellKey } from '../experiments/cell.ts';
import { cellCost, cellSeconds, runSeconds, type Rates } from './cost.ts';
import { shareThreshold } from './parallel.ts';

export interface CellEstimate {
  /** Seconds on one worker: the part that stays with the cell's worker, and the part its blocks can share. */
  serial: number;
  shareable: number;
  /** Big enough that its blocks are handed to other workers. */
  shared: boolean;
}

export function estimateCell(config: ResolvedConfig, cell: CellKey, dim: number, rates: Rates, testCount?: number): CellEstimate {
  const cost = cellCost(config, cell, dim, testCount);
  return { ...cellSeconds(cost, rates), shared: cost.retrievalFlops >= shareThreshold() };
}

export const totalSeconds = (cell: CellEstimate) => cell.serial + cell.shareable;

/** The requested worker count (capped by what the cells can use), or the one predicted fastest, up to the cores. */
export function chooseWorkers(requested: number | undefined, pending: CellEstimate[], cores = availableParallelism()): number {
  const usable = pending.some((cell) => cell.shared) ? Infinity : pending.length;
  if (requested !== undefined) return Math.max(1, Math.min(requested, usable));
  let best = 1;
  for (let workers = 2; workers <= Math.min(cores, usable); workers++) {
    if (runSeconds(pending, workers) < runSeconds(pending, best)) best = workers;
  }
  return best;
}
