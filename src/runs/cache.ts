/**
 * The cell cache of a results folder: `cells/<key>.json` for each finished cell and
 * `cells/<key>.failed.json` for a cell that failed (retried on the next run). Every file is
 * written atomically, so a killed run leaves finished cells whole and nothing half-written.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { removeStaleTemporaries as removeStaleTemporariesIn } from '../io/staleTemporaries.ts';
import type { CachedCell, FailedCell } from '../experiments/records.ts';
import type { SweepValues } from '../experiments/cellIdentity.ts';
import { cachedCellSchema, failedCellSchema, readCellFile, type CellRead } from './cellFile.ts';

export type { CachedCell, FailedCell } from '../experiments/records.ts';
export type { CellRead } from './cellFile.ts';


export const cellsFolder = (resultsDir: string) => join(resultsDir, 'cells');
/** The name of a cell's file in cells/. */
export const cellFileName = (key: string, failed = false) => (failed ? `${key}.failed.json` : `${key}.json`);
const donePath = (resultsDir: string, key: string) => join(cellsFolder(resultsDir), cellFileName(key));
const failedPath = (resultsDir: string, key: string) => join(cellsFolder(resultsDir), cellFileName(key, true));

/**
 * A finished cell, if its file is there and whole; `models`: the config's model names, which the
 * records must have, in order (a cell file of another config, or an edited one, is damaged).
 */
export function readCachedCell(resultsDir: string, key: string, models?: string[]): CellRead<CachedCell> {
  const read = readCellFile(donePath(resultsDir, key), key, cachedCellSchema);
  if (read.kind !== 'ok') return read;
  if (read.cell.sweep) read.cell = labelled(read.cell, read.cell.sweep);
  if (!models) return read;
  const names = read.cell.records.map((record) => record.model);
  if (names.join('\u0000') !== models.join('\u0000')) {
    return { kind: 'damaged', path: donePath(resultsDir, key), problem: `records are of models ${JSON.stringify(names)}, the config has ${JSON.stringify(models)}` };
  }
  return read;
}

/** The cell with its swept values on every row (tables and figures read them there); rows are stored without. */
export function labelled(cell: CachedCell, sweep: SweepValues | undefined): CachedCell {
  if (!sweep) return cell;
  const label = <T extends object>(rows: T[]) => rows.map((row) => ({ ...row, sweep }));
  return {
    ...cell,
    sweep,
    records: label(cell.records),
    timings: label(cell.timings),
    trace: label(cell.trace),
    ...(cell.queries ? { queries: label(cell.queries) } : {}),
  };
}

/** Rows are written as the cell produced them: the swept values are the cell's. */
const unlabelled = <T extends { sweep?: SweepValues }>(rows: T[]) => rows.map(({ sweep: _sweep, ...row }) => row);

export function writeCachedCell(resultsDir: string, cell: CachedCell): void {
  const stored = { ...cell, records: unlabelled(cell.records), timings: unlabelled(cell.timings), trace: unlabelled(cell.trace) };
  if (cell.queries) stored.queries = unlabelled(cell.queries);
  writeFileAtomic(donePath(resultsDir, cell.key), `${JSON.stringify(stored)}\n`);
  rmSync(failedPath(resultsDir, cell.key), { force: true });
}

export function writeFailedCell(resultsDir: string, cell: FailedCell): void {
  writeFileAtomic(failedPath(resultsDir, cell.key), `${JSON.stringify(cell, null, 2)}\n`);
}

export function readFailedCell(resultsDir: string, key: string): CellRead<FailedCell> {
  return readCellFile(failedPath(resultsDir, key), key, failedCellSchema);
}

/** Removes temporary files (`<name>.<pid>.tmp`) left by killed runs; a live run's are kept. */
export function removeStaleTemporaries(resultsDir: string): void {
  const folder = cellsFolder(resultsDir);
  mkdirSync(folder, { recursive: true });
  removeStaleTemporariesIn(folder);
}
