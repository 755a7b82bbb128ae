/** Expands a config into its cells (one per swept values × M × D_Φ × seed; models stay together) and splits them into shards. */
import type { ResolvedConfig } from '../config/parity.ts';
import type { CellKey } from '../experiments/cell.ts';
import { UserError } from '../errors.ts';
import { sweepAssignments } from '../config/sweep.ts';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) throw new UserError(`--shard expects i/n with 1 ≤ i ≤ n, got "${text}"`);
  return { index, count };
}

/** A shard holds every n-th cell of the grid order, starting at its i-th. */
export const inShard = (index: number, shard: Shard) => index % shard.count === shard.index - 1;

/** Grid order: swept values (first axis outermost), then M, D_Φ, seed; without a sweep the cells have no `sweep`. */
export function expandCells(config: ResolvedConfig): CellKey[] {
  const dims = config.featureMap.dim ?? [null];
  return sweepAssignments(config.sweep).flatMap((sweep) =>
    config.memories.flatMap((memories) =>
      dims.flatMap((featureDim) => config.seeds.map((seed) => ({ memories, seed, featureDim, ...(config.sweep ? { sweep } : {}) }))),
    ),
  );
}

/** The cells of one shard (all of them without one), in grid order. */
export function shardCells(config: ResolvedConfig, shard?: Shard): CellKey[] {
  return expandCells(config).filter((_, index) => !shard || inShard(index, shard));
}
