/**
 * Content-addressed cell keys: a hash of everything that determines a cell's records — its
 * resolved settings, the data, the math code and the backend. Renaming the experiment, editing
 * its description or reformatting the file changes nothing; any change to the math does.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../config/parity.ts';
import type { PoolFingerprint } from '../data/pool.ts';
import type { CellKey } from '../experiments/cell.ts';
import { sourceGraph } from './sourceGraph.ts';

/**
 * Where the code that computes a cell's numbers starts: the cell pipeline, and the backend set-up
 * that installs the BLAS matMul kernel. Data loading is not followed: the pool's content hash, as
 * loaded, is part of the key already, so a change to a loader shows up there.
 */
export const mathEntries = ['src/experiments/cell.ts', 'src/backend/select.ts'];

/** The folder with uhop's package.json, found upwards from this file (src/runs/ or a compiled dist/runs/). */
function findPackageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json')) || !existsSync(join(folder, 'src'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`cannot find uhop's package folder (with package.json and src/) above ${fileURLToPath(import.meta.url)}`);
    folder = parent;
  }
  return folder;
}

export const packageRoot = findPackageRoot();

/** The installed version of a package, looked up as Node does: node_modules/ here or in a folder above. */
function installedVersion(root: string, name: string): string {
  for (let folder = root; ; folder = dirname(folder)) {
    const manifest = join(folder, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return String((JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version);
    if (dirname(folder) === folder) return 'not installed';
  }
}

/** The files whose change invalidates the cache: everything the math entries import, transitively. */
export function mathSourceFiles(root = packageRoot): string[] {
  return sourceGraph(root, mathEntries).files;
}

const mathVersions = new Map<string, string>();

/**
 * sha256 (first 16 hex digits) of the math sources and of the versions of the packages they
 * import (tfjs's kernels determine numbers too). Computed once per process and package root.
 */
export function mathVersion(root = packageRoot): string {
  const known = mathVersions.get(root);
  if (known) return known;
  const graph = sourceGraph(root, mathEntries);
  const hash = createHash('sha256');
  for (const file of graph.files) hash.update(`${file}\0`).update(readFileSync(join(root, file))).update('\0');
  for (const name of graph.packages) hash.update(`${name}@${installedVersion(root, name)}\0`);
  const version = hash.digest('hex').slice(0, 16);
  mathVersions.set(root, version);
  return version;
}

/** JSON with object keys sorted, so that equal settings always hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What every cell of a config shares: the config without its labels (name, description,
 * baseline), its reporting options (figures, metrics.phaseTarget) and its grid axes. Called on a
 * cell's own config (src/config/sweep.ts cellConfig), it holds the cell's swept values.
 */
export function sharedSettings(config: ResolvedConfig): Record<string, unknown> & { featureMap: Record<string, unknown> } {
  const { name: _n, description: _d, $schema: _s, baseline: _b, figures: _f, memories: _m, seeds: _seeds, sweep: _sweep, ...settings } = config;
  const { phaseTarget: _p, ...metrics } = config.metrics;
  const { dim: _dim, ...featureMap } = config.featureMap;
  // a plugin counts by its source, not by where it lies: edit it and its cells recompute
  const plugins = config.plugins?.map((plugin) => plugin.sha256);
  return { ...settings, plugins, metrics, featureMap };
}

/** What determines one cell: the shared settings plus its M, D_Φ and seed. */
export function cellSettings(config: ResolvedConfig, cell: CellKey): Record<string, unknown> {
  const shared = sharedSettings(config);
  return { ...shared, featureMap: { ...shared.featureMap, dim: cell.featureDim ?? null }, memories: cell.memories, seed: cell.seed };
}

export function cellKey(config: ResolvedConfig, cell: CellKey, data: PoolFingerprint, backend: string): string {
  // the pool's content hash identifies the data; where its files lie does not
  const { files: _files, ...pool } = data;
  const identity = canonicalJson({ settings: cellSettings(config, cell), data: pool, math: mathVersion(), backend });
  return createHash('sha256').update(identity).digest('hex').slice(0, 24);
}
