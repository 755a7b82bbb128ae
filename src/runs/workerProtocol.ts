/** Messages between the sweep and its worker threads. */
import type { ResolvedConfig } from '../config/parity.ts';
import type { BackendInfo } from '../backend/select.ts';
import type { CellKey, CellResult } from '../experiments/cell.ts';
import type { BlockJob, CellShare } from '../experiments/blockRunner.ts';
import type { BlockOutcome } from '../experiments/retrieveInBlocks.ts';
import type { Pool } from '../data/pool.ts';

export interface CellTask {
  config: ResolvedConfig;
  cell: CellKey;
  /** --data-dir, searched first for data files. */
  dataDir?: string;
}

/** What running one cell gave: records, a failure to record, or a user error that stops the sweep. */
export type CellOutcome =
  | { kind: 'done'; result: CellResult }
  | { kind: 'failed'; error: string }
  | { kind: 'user-error'; error: string };

/** One block of a big cell, run by whichever worker is free (the cell's own included). */
export interface SharedJob {
  share: CellShare;
  job: BlockJob;
}

/** Main thread → worker. */
export type ToWorker =
  | { kind: 'cell'; task: CellTask }
  | { kind: 'job'; id: number; job: SharedJob }
  | { kind: 'jobs-done'; request: number; outcomes: BlockOutcome[][]; error?: string }
  | { kind: 'release'; token: string }
  /** The data sets the main thread loaded, by pool identity (pixels on SharedArrayBuffers). */
  | { kind: 'pools'; pools: Array<[string, Pool]> };

/** Worker → main thread. */
export type WorkerMessage =
  | { kind: 'ready'; backend: BackendInfo }
  | { kind: 'outcome'; outcome: CellOutcome }
  | { kind: 'jobs'; request: number; jobs: SharedJob[] }
  /** The worker has returned to its event loop: it takes jobs while its requests are out. */
  | { kind: 'idle' }
  | { kind: 'job-result'; id: number; outcome: BlockOutcome[] | { error: string } };
