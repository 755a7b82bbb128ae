/**
 * Datasets by the name used in configs; each pool is loaded once per process, its pixels on a
 * SharedArrayBuffer, so the sweep hands its loaded pools to its worker threads (parsing the npm
 * digits took each worker ~0.45 s) without copying them.
 */
import type { DatasetSpec } from '../config/schema.ts';
import type { Pool } from './pool.ts';
import { shared } from '../backend/sharedMemory.ts';
import { loadMnistNpm } from './mnist.ts';
import { loadIdxPool } from './idxDataset.ts';
import { loadCifarPool } from './cifar10.ts';
import { clusterPool, spherePool } from './synthetic.ts';

type Loader<N extends DatasetSpec['name']> = (spec: Extract<DatasetSpec, { name: N }>, dataDir?: string) => Pool;

const loaders: { [N in DatasetSpec['name']]: Loader<N> } = {
  mnist: (spec) => loadMnistNpm(spec.scale),
  'mnist-full': (spec, dataDir) => loadIdxPool(spec, dataDir),
  'fashion-mnist': (spec, dataDir) => loadIdxPool(spec, dataDir),
  cifar10: (spec, dataDir) => loadCifarPool(spec, dataDir),
  'synthetic-sphere': (spec) => spherePool(spec),
  'synthetic-clusters': (spec) => clusterPool(spec),
};

const cache = new Map<string, Pool>();

/** What identifies a pool: the spec without the fields that only choose memories from it. */
function poolId(spec: DatasetSpec, dataDir?: string): string {
  const { indices: _indices, ...rest } = spec;
  const { balanced: _balanced, ...identity } = rest as typeof rest & { balanced?: boolean };
  return JSON.stringify({ identity, dataDir: dataDir ?? null });
}

export function loadPool(spec: DatasetSpec, dataDir?: string): Pool {
  const id = poolId(spec, dataDir);
  const cached = cache.get(id);
  if (cached) return cached;
  const load = loaders[spec.name] as Loader<typeof spec.name>;
  const loaded = load(spec, dataDir);
  const pool = { ...loaded, images: shared(loaded.images) };
  cache.set(id, pool);
  return pool;
}

/** The pools loaded so far, by identity: what a worker thread is given at its start (see adoptPools). */
export function loadedPools(): Array<[string, Pool]> {
  return [...cache];
}

/** Takes pools another thread loaded (their pixels shared, not copied) as if loaded here. */
export function adoptPools(pools: Array<[string, Pool]>): void {
  for (const [id, pool] of pools) if (!cache.has(id)) cache.set(id, pool);
}
