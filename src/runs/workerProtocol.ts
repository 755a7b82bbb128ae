/** Messages between the sweep and its worker threads. */
import type { ResolvedConfig } from '../config/parity.ts';
import type { BackendInfo } from '../backend/select.ts';
import type { CellKey, CellResult } from '../experiments/cell.ts';

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

export type WorkerMessage = { kind: 'ready'; backend: BackendInfo } | { kind: 'outcome'; outcome: CellOutcome };
