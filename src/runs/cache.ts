/**
 * The cell cache of a results folder: `cells/<key>.json` for each finished cell and
 * `cells/<key>.failed.json` for a cell that failed (retried on the next run). Every file is
 * written atomically, so a killed run leaves finished cells whole and nothing half-written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { removeStaleTemporaries as removeStaleTemporariesIn } from '../io/staleTemporaries.ts';
import type { CachedCell, FailedCell } from '../experiments/records.ts';

export type { CachedCell, FailedCell } from '../experiments/records.ts';


export const cellsFolder = (resultsDir: string) => join(resultsDir, 'cells');
const donePath = (resultsDir: string, key: string) => join(cellsFolder(resultsDir), `${key}.json`);
const failedPath = (resultsDir: string, key: string) => join(cellsFolder(resultsDir), `${key}.failed.json`);

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null; // missing or unreadable: treated as not cached, the cell runs again
  }
}

export function readCachedCell(resultsDir: string, key: string): CachedCell | null {
  const cell = readJson<CachedCell>(donePath(resultsDir, key));
  return cell && cell.key === key && Array.isArray(cell.records) && Array.isArray(cell.trace) ? cell : null;
}

export function writeCachedCell(resultsDir: string, cell: CachedCell): void {
  writeFileAtomic(donePath(resultsDir, cell.key), `${JSON.stringify(cell)}\n`);
  rmSync(failedPath(resultsDir, cell.key), { force: true });
}

export function writeFailedCell(resultsDir: string, cell: FailedCell): void {
  writeFileAtomic(failedPath(resultsDir, cell.key), `${JSON.stringify(cell, null, 2)}\n`);
}

export function readFailedCell(resultsDir: string, key: string): FailedCell | null {
  return readJson<FailedCell>(failedPath(resultsDir, key));
}

/** Every finished cell stored in a results folder (whatever config produced it). */
export function listCachedCells(resultsDir: string): CachedCell[] {
  const folder = cellsFolder(resultsDir);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json') && !name.endsWith('.failed.json'))
    .map((name) => readCachedCell(resultsDir, name.slice(0, -'.json'.length)))
    .filter((cell): cell is CachedCell => cell !== null);
}

/** Removes temporary files left by killed runs in cells/ (the tables' folder: writeResults); a live run's are kept. */
export function removeStaleTemporaries(resultsDir: string): void {
  const folder = cellsFolder(resultsDir);
  mkdirSync(folder, { recursive: true });
  removeStaleTemporariesIn(folder);
}
