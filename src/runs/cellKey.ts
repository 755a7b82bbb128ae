/**
 * Content-addressed cell keys: a hash of everything that determines a cell's records — its
 * resolved settings, the data, the math code and the backend. Renaming the experiment, editing
 * its description or reformatting the file changes nothing; any change to the math does.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../config/parity.ts';
import type { PoolFingerprint } from '../data/pool.ts';
import type { CellKey } from '../experiments/cell.ts';

const sourceRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The code that computes a cell's numbers; a change to any of these files invalidates the cache. */
const mathSources = [
  'hopfield',
  'featuremap',
  'metrics',
  'data',
  'random',
  'backend/ops.ts',
  'backend/blocks.ts',
  'backend/blasMatMul.ts',
  'experiments',
];

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

let cachedMathVersion: string | null = null;

/** sha256 (first 16 hex digits) of the math sources. */
export function mathVersion(): string {
  if (cachedMathVersion) return cachedMathVersion;
  const hash = createHash('sha256');
  for (const file of mathSources.flatMap((source) => filesUnder(join(sourceRoot, source)))) {
    hash.update(relative(sourceRoot, file));
    hash.update(readFileSync(file));
  }
  cachedMathVersion = hash.digest('hex').slice(0, 16);
  return cachedMathVersion;
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
  return { ...settings, metrics, featureMap };
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
