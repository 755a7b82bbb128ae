/** Reading a results folder back (config, manifest, cells) and merging shard folders into one. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import type { Manifest } from './provenance.ts';
import { cellFileName, cellsFolder, readCachedCell, readFailedCell, removeStaleTemporaries, type CachedCell, type FailedCell } from './cache.ts';
import { expandCells, inShard, parseShard } from './grid.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { claimFolderFor, differingPaths } from './folderConfig.ts';
import { cellIdentity } from '../experiments/cellIdentity.ts';

export interface ResultsFolder {
  directory: string;
  config: ResolvedConfig;
  manifest: Manifest;
  cells: CachedCell[];
  failed: FailedCell[];
}

function readRequired<T>(directory: string, name: string): T {
  const path = join(directory, name);
  if (!existsSync(path)) throw new UserError(`${path} not found: is ${directory} a folder written by \`uhop run\`?`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new UserError(`${path}: unreadable (${(error as Error).message})`);
  }
}

/**
 * A results folder's config, manifest and cells. Every cell the manifest lists must be there and
 * whole: a damaged or missing cell file stops the reading (exit 2) with its name, never a table
 * that silently lacks the cell.
 */
export function readResultsFolder(directory: string): ResultsFolder {
  const config = readRequired<ResolvedConfig>(directory, 'config.resolved.json');
  const manifest = readRequired<Manifest>(directory, 'manifest.json');
  if (!Array.isArray(manifest.cellKeys) || !manifest.cellKeys.every((key) => typeof key === 'string')) {
    throw new UserError(`${join(directory, 'manifest.json')}: cellKeys is not a list of cell keys`);
  }
  const models = config.models.map((model) => model.name);
  const cells: CachedCell[] = [];
  const failed: FailedCell[] = [];
  const problems: string[] = [];
  for (const key of manifest.cellKeys) {
    const done = readCachedCell(directory, key, models);
    if (done.kind === 'ok') {
      cells.push(done.cell);
      continue;
    }
    const failure = readFailedCell(directory, key);
    if (done.kind === 'damaged') problems.push(`${done.path}: ${done.problem}`);
    else if (failure.kind === 'ok') failed.push(failure.cell);
    else if (failure.kind === 'damaged') problems.push(`${failure.path}: ${failure.problem}`);
    else problems.push(`${join(cellsFolder(directory), cellFileName(key))}: missing (the manifest lists it)`);
  }
  if (problems.length) {
    throw new UserError(
      `${directory}: ${problems.length} cell file(s) damaged or missing:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'rerun `uhop run` with its config into this folder to recompute them',
    );
  }
  return { directory, config, manifest, cells, failed };
}

/** Which grid cells (by index in grid order) a folder holds: all of them, or its shard's. */
function coveredIndices(source: ResultsFolder, gridSize: number): number[] {
  const all = Array.from({ length: gridSize }, (_, index) => index);
  if (!source.manifest.shard) return all;
  const shard = parseShard(source.manifest.shard);
  return all.filter((index) => inShard(index, shard));
}

/** Refuses (UserError) a set of folders that leaves grid cells out, naming the missing shards. */
function checkComplete(sources: ResultsFolder[], gridSize: number): void {
  const covered = new Set(sources.flatMap((source) => coveredIndices(source, gridSize)));
  const missing = gridSize - covered.size;
  if (missing === 0) return;
  const counts = new Set(sources.map((source) => source.manifest.shard && parseShard(source.manifest.shard).count));
  const [count] = counts;
  let what = `${missing} of the grid's ${gridSize} cells are in none of these folders`;
  if (counts.size === 1 && typeof count === 'number') {
    const present = new Set(sources.map((source) => parseShard(source.manifest.shard!).index));
    const absent = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !present.has(index));
    what = `shard${absent.length > 1 ? 's' : ''} ${absent.map((index) => `${index}/${count}`).join(', ')} missing (${what})`;
  }
  throw new UserError(`incomplete shard set: ${what}; merge every shard, or pass --partial to merge what is here`);
}

/** Copies a cell file into `out/cells/` atomically: a merge killed mid-copy leaves no partial file under a cell's name. */
function copyCellFile(from: string, out: string, name: string): void {
  const source = join(cellsFolder(from), name);
  const target = join(cellsFolder(out), name);
  if (source !== target) writeFileAtomic(target, readFileSync(source));
}

/**
 * Combines shard folders of one config: refuses different configs or math versions, and (unless
 * `partial`) a set that leaves shards out; copies every finished and failed cell into
 * `out/cells/`, and returns the merged view (cells in grid order; a cell done anywhere is done).
 */
export function mergeResultsFolders(
  directories: string[],
  out: string,
  options: { partial?: boolean } = {},
): Omit<ResultsFolder, 'manifest'> & { sources: ResultsFolder[] } {
  if (directories.length === 0) throw new UserError('uhop merge needs at least one results folder');
  const sources = directories.map(readResultsFolder);
  const [first] = sources;
  for (const source of sources.slice(1)) {
    const differing = differingPaths(first.config, source.config);
    if (differing.length) {
      throw new UserError(
        `${source.directory}: its config.resolved.json differs from ${first.directory}'s (${differing.slice(0, 8).join(', ')}); only shards of one config can be merged`,
      );
    }
    if (source.manifest.mathVersion !== first.manifest.mathVersion) {
      throw new UserError(
        `${source.directory}: math version ${source.manifest.mathVersion} differs from ${first.directory}'s ${first.manifest.mathVersion}; rerun one of them with the same uhop`,
      );
    }
  }
  const grid = expandCells(first.config);
  if (!options.partial) checkComplete(sources, grid.length);
  claimFolderFor(out, first.config);
  removeStaleTemporaries(out); // of a merge or run killed in this folder before

  const done = new Map<string, CachedCell>();
  for (const source of sources) {
    for (const cell of source.cells) {
      done.set(cellIdentity(cell), cell);
      copyCellFile(source.directory, out, cellFileName(cell.key));
    }
  }
  const failures = new Map<string, FailedCell>();
  for (const source of sources) {
    for (const cell of source.failed.filter((f) => !done.has(cellIdentity(f)))) {
      failures.set(cellIdentity(cell), cell);
      copyCellFile(source.directory, out, cellFileName(cell.key, true));
    }
  }
  const inGrid = <T>(byIdentity: Map<string, T>) => grid.flatMap((cell) => byIdentity.get(cellIdentity(cell)) ?? []);
  return { directory: out, config: first.config, cells: inGrid(done), failed: inGrid(failures), sources };
}
