/** Reading a results folder back (config, manifest, cells) and merging shard folders into one. */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import type { Manifest } from './provenance.ts';
import { cellFileName, cellsFolder, readCachedCell, readFailedCell, type CachedCell, type FailedCell } from './cache.ts';
import { expandCells } from './grid.ts';
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
    else problems.push(`${join(directory, cellFileName(key))}: missing (the manifest lists it)`);
  }
  if (problems.length) {
    throw new UserError(
      `${directory}: ${problems.length} cell file(s) damaged or missing:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'rerun `uhop run` with its config into this folder to recompute them',
    );
  }
  return { directory, config, manifest, cells, failed };
}

/**
 * Combines shard folders of one config: refuses different configs or math versions, copies every
 * finished cell into `out/cells/`, and returns the merged view (cells in grid order).
 */
export function mergeResultsFolders(directories: string[], out: string): Omit<ResultsFolder, 'manifest'> & { sources: ResultsFolder[] } {
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
  claimFolderFor(out, first.config);
  mkdirSync(cellsFolder(out), { recursive: true });
  const byCell = new Map<string, CachedCell>();
  for (const source of sources) {
    for (const cell of source.cells) {
      byCell.set(cellIdentity(cell), cell);
      const name = `${cell.key}.json`;
      if (source.directory !== out) copyFileSync(join(cellsFolder(source.directory), name), join(cellsFolder(out), name));
    }
  }
  const grid = expandCells(first.config);
  const cells = grid.map((cell) => byCell.get(cellIdentity(cell))).filter((c): c is CachedCell => c !== null && c !== undefined);
  const failed = sources.flatMap((source) => source.failed).filter((f) => !byCell.has(cellIdentity(f)));
  return { directory: out, config: first.config, cells, failed, sources };
}
