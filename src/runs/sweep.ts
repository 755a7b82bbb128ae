/**
 * The sweep engine: expands a config into cells, skips the cells already in the results folder,
 * runs the rest (in this thread or in worker threads) and stores each cell as soon as it is done,
 * so that a killed sweep resumes where it stopped. No console output: progress goes to callbacks.
 */
import { availableParallelism } from 'node:os';
import type { ResolvedConfig } from '../config/parity.ts';
import { UserError } from '../errors.ts';
import { initBackend, type BackendInfo } from '../backend/select.ts';
import { loadPool } from '../data/registry.ts';
import { poolFingerprint, type PoolFingerprint } from '../data/pool.ts';
import type { CellKey } from '../experiments/cell.ts';
import { shardCells, type Shard } from './grid.ts';

export { parseShard, type Shard } from './grid.ts';
import { cellKey } from './cellKey.ts';
import { cellConfig } from '../config/sweep.ts';
import {
  labelled,
  readCachedCell,
  readFailedCell,
  removeStaleTemporaries,
  writeCachedCell,
  writeFailedCell,
  type CachedCell,
  type FailedCell,
} from './cache.ts';
import { runCellTask } from './runOneCell.ts';
import { ratesFor } from './calibration.ts';
import { chooseWorkers, estimateCell, totalSeconds, type CellEstimate } from './estimate.ts';
import { WorkerPool } from './workerPool.ts';
import { startPool, workersForEarlyStart, workersWithRates, type EarlyPool } from './earlyPool.ts';
import { loadPlugins } from '../plugins/load.ts';
import type { CellOutcome, CellTask } from './workerProtocol.ts';

export interface PlannedCell extends CellKey {
  key: string;
  cached: boolean;
  /** The error of the last attempt, when the cell failed before (it runs again). */
  failedBefore: string | null;
  /** Predicted seconds (./estimate.ts). */
  estimate: CellEstimate;
  /** Why its cell file could not be used ("path: problem"), when it is there but damaged (it runs again). */
  damaged: string | null;
}

export interface SweepPlan {
  cells: PlannedCell[];
  data: PoolFingerprint;
  backend: BackendInfo;
}

export interface SweepProgress {
  onPlan?(plan: SweepPlan, toRun: number, workers: number): void;
  /** A stored cell whose file is damaged (truncated, edited, of other models): it is recomputed. */
  onDamaged?(cell: PlannedCell): void;
  onCellStart?(cell: CellKey, worker: number): void;
  onCellDone?(cell: CellKey, ok: boolean, done: number, toRun: number, worker: number): void;
}

export interface SweepOptions {
  resultsDir: string;
  workers?: number;
  force?: boolean;
  shard?: Shard;
  /** Searched first for data files (--data-dir). */
  dataDir?: string;
  progress?: SweepProgress;
  /** Workers already starting (./earlyPool.ts), null for none; undefined: the sweep decides. */
  early?: EarlyPool;
}

export interface SweepResult {
  plan: SweepPlan;
  /** Finished cells of this config (or shard), in grid order. */
  cells: CachedCell[];
  failed: FailedCell[];
  ran: number;
  workers: number;
}

/** The cells of a config (or of one shard: every n-th cell of the grid order), with their cache state. */
export async function planSweep(
  config: ResolvedConfig,
  resultsDir: string,
  options: Pick<SweepOptions, 'shard' | 'force' | 'dataDir'> = {},
): Promise<SweepPlan> {
  const { shard, force = false, dataDir } = options;
  const backend = await initBackend();
  const data = poolFingerprint(loadPool(config.dataset, dataDir));
  // queries from the test split: its content is part of every cell's identity too
  const dataset = config.dataset;
  const testSplit = config.queries.from === 'test' && 'split' in dataset ? poolFingerprint(loadPool({ ...dataset, split: 'test' }, dataDir)) : null;
  const identity = testSplit ? { ...data, sha256: `${data.sha256}+${testSplit.sha256}` } : data;
  const rates = await ratesFor(backend.label);
  const models = config.models.map((model) => model.name);
  const cells = shardCells(config, shard).map((cell) => {
    const key = cellKey(cellConfig(config, cell.sweep ?? {}), cell, identity, backend.identity);
    const stored = force ? null : readCachedCell(resultsDir, key, models);
    const failed = readFailedCell(resultsDir, key);
    return {
      ...cell,
      key,
      cached: stored?.kind === 'ok',
      failedBefore: failed.kind === 'ok' ? failed.cell.error : null,
      damaged: stored?.kind === 'damaged' ? `${stored.path}: ${stored.problem}` : null,
      estimate: estimateCell(config, cell, data.dim, rates, testSplit?.count),
    };
  });
  return { cells, data, backend };
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * How many workers to start before the plan is made: as ./earlyPool.ts decides, with the rates of
 * this backend (probed now if need be) where no rates were stored for this machine.
 */
export async function workersToStart(config: ResolvedConfig, options: SweepOptions): Promise<number> {
  return workersForEarlyStart(config, options) ?? workersWithRates(config, options.shard, await ratesFor((await initBackend()).label));
}

export async function runSweep(config: ResolvedConfig, options: SweepOptions): Promise<SweepResult> {
  const { resultsDir, progress = {} } = options;
  removeStaleTemporaries(resultsDir);
  const early = options.early !== undefined ? options.early : startPool(await workersToStart(config, options));
  let plan: SweepPlan;
  try {
    plan = await planSweep(config, resultsDir, options);
  } catch (error) {
    await early?.then((pool) => pool.close(), () => {});
    throw error;
  }
  const pending = plan.cells.filter((cell) => !cell.cached);
  const workers = chooseWorkers(options.workers, pending.map((cell) => cell.estimate));
  if (workers < 2) await early?.then((pool) => pool.close(), () => {});
  for (const cell of plan.cells) if (cell.damaged) progress.onDamaged?.(cell);
  progress.onPlan?.(plan, pending.length, workers);

  let done = 0;
  const record = (cell: PlannedCell, outcome: CellOutcome, worker: number) => {
    if (outcome.kind === 'user-error') throw new UserError(outcome.error);
    if (outcome.kind === 'done') {
      const { records, timings, trace, queries, stageOne } = outcome.result;
      const finishedAt = new Date().toISOString();
      const optional = { ...(queries ? { queries } : {}), ...(stageOne ? { stageOne } : {}) };
      writeCachedCell(resultsDir, { ...cellKeyOf(cell), key: cell.key, records, timings, trace, ...optional, finishedAt });
    } else {
      writeFailedCell(resultsDir, { ...cellKeyOf(cell), key: cell.key, error: outcome.error, failedAt: new Date().toISOString() });
    }
    progress.onCellDone?.(cell, outcome.kind === 'done', ++done, pending.length, worker);
  };

  const tasks = pending.map((cell): CellTask & { planned: PlannedCell } => ({
    config: cellConfig(config, cell.sweep ?? {}),
    cell: cellKeyOf(cell),
    dataDir: options.dataDir,
    planned: cell,
  }));
  if (workers > 1) {
    // largest cells first: the last cells to finish are then short ones, so workers end together
    tasks.sort((a, b) => totalSeconds(b.planned.estimate) - totalSeconds(a.planned.estimate));
  }
  if (workers === 1) {
    const plugins = await loadPlugins(config.plugins);
    for (const task of tasks) {
      progress.onCellStart?.(task.cell, 0);
      record(task.planned, await runCellTask(task, plan.backend.label, undefined, plugins), 0);
      await new Promise((resolve) => setImmediate(resolve)); // let progress bars redraw between cells
    }
  } else {
    const pool = early ? await early : await WorkerPool.start(workers);
    try {
      await pool.shrink(workers);
      pool.sharePools();
      await pool.runAll(
        tasks,
        (task, worker) => progress.onCellStart?.(task.cell, worker),
        (task, outcome, worker) => record(task.planned, outcome, worker),
      );
    } finally {
      await pool.close();
    }
  }

  // the plan names each cell: a cached file counts under this config's swept values
  const cells = plan.cells.flatMap((cell) => {
    const read = readCachedCell(resultsDir, cell.key);
    return read.kind === 'ok' ? [labelled(read.cell, cell.sweep)] : [];
  });
  const failed = plan.cells
    .filter((cell) => !cells.some((c) => c.key === cell.key))
    .flatMap((cell) => {
      const read = readFailedCell(resultsDir, cell.key);
      return read.kind === 'ok' ? [read.cell] : [];
    });
  return { plan, cells, failed, ran: pending.length, workers };
}

function cellKeyOf(cell: CellKey): CellKey {
  return { memories: cell.memories, seed: cell.seed, featureDim: cell.featureDim ?? null, ...(cell.sweep ? { sweep: cell.sweep } : {}) };
}
