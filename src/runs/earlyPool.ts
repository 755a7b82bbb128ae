/**
 * Worker threads started as soon as the config is read, before the main thread loads tfjs and the
 * data: each worker's own start (tfjs, its backend, ~0.6 s) then runs beside the main thread's,
 * where it had waited for it. The count is the cost model's with the rates stored for this machine
 * (./calibrationCache.ts); on a machine without them (the first run), the sweep decides once it
 * has probed them. This module loads no tensors: that is the point of it.
 */
import type { ResolvedConfig } from '../config/parity.ts';
import { poolShape } from '../data/poolSize.ts';
import { shardCells, type Shard } from './grid.ts';
import { chooseWorkers, estimateCell } from './estimate.ts';
import { lastRatesOfMachine } from './calibrationCache.ts';
import type { Rates } from './cost.ts';
import { WorkerPool } from './workerPool.ts';

/** A pool being started (its start may still fail: awaited where it is used), null for none. */
export type EarlyPool = Promise<WorkerPool> | null;

/** How many workers the cost model chooses for the cells, sized from the data set's spec (nothing is loaded yet). */
export function workersWithRates(config: ResolvedConfig, shard: Shard | undefined, rates: Rates): number {
  const shape = poolShape(config.dataset);
  const testCount = config.queries.from === 'test' ? (shape.testCount ?? undefined) : undefined;
  return chooseWorkers(undefined, shardCells(config, shard).map((cell) => estimateCell(config, cell, shape.dim, rates, testCount)));
}

/** The count asked for, else the cost model's with the rates stored for this machine; undefined without them. */
export function workersForEarlyStart(config: ResolvedConfig, options: { workers?: number; shard?: Shard }): number | undefined {
  if (options.workers !== undefined) return options.workers;
  const rates = lastRatesOfMachine();
  return rates ? workersWithRates(config, options.shard, rates) : undefined;
}

/**
 * The pool for `count` workers, none for a run the main thread does alone (on 2 cores, two workers
 * starting for nothing slowed a small run's plan by their start-up). Cached cells can only lower
 * the count the sweep needs: it ends the workers it does not.
 */
export function startPool(count: number): EarlyPool {
  if (count < 2) return null;
  const starting = WorkerPool.start(count);
  starting.catch(() => {}); // a failed start is reported where the pool is awaited
  return starting;
}

/** The early pool of a run; undefined when the sweep is to decide (see the module's comment). */
export function startPoolEarly(config: ResolvedConfig, options: { workers?: number; shard?: Shard }): EarlyPool | undefined {
  const count = workersForEarlyStart(config, options);
  return count === undefined ? undefined : startPool(count);
}
