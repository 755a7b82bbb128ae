/** Runs every cell of a config in order and collects the records. No files, no console. */
import type { ResolvedConfig } from '../config/parity.ts';
import { initBackend, type BackendInfo } from '../backend/select.ts';
import { loadPool } from '../data/registry.ts';
import type { Pool } from '../data/pool.ts';
import { runCell, type CellKey, type ModelRecord, type ModelTiming } from './cell.ts';
import { expandCells } from './grid.ts';

export interface RunProgress {
  onStart?(total: number): void;
  onCellDone?(cell: CellKey, done: number, total: number): void;
}

export interface ExperimentResult {
  records: ModelRecord[];
  timings: ModelTiming[];
  backend: BackendInfo;
  pool: Pick<Pool, 'name' | 'dim' | 'count' | 'source'>;
}

export async function runExperiment(config: ResolvedConfig, progress: RunProgress = {}): Promise<ExperimentResult> {
  const backend = await initBackend();
  const pool = loadPool(config.dataset.name);
  const cells = expandCells(config);
  progress.onStart?.(cells.length);
  const records: ModelRecord[] = [];
  const timings: ModelTiming[] = [];
  for (const [index, cell] of cells.entries()) {
    const result = runCell(config, pool, cell, backend.label);
    records.push(...result.records);
    timings.push(...result.timings);
    progress.onCellDone?.(cell, index + 1, cells.length);
    await new Promise((resolve) => setImmediate(resolve)); // let progress bars redraw between cells
  }
  return {
    records,
    timings,
    backend,
    pool: { name: pool.name, dim: pool.dim, count: pool.count, source: pool.source },
  };
}
