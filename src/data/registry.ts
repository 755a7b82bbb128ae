/** Datasets by the name used in configs. Each loader is called at most once per process. */
import type { Pool } from './pool.ts';
import { loadMnistNpm } from './mnist.ts';

const loaders: Record<string, () => Pool> = {
  mnist: loadMnistNpm,
};

const cache = new Map<string, Pool>();

export function loadPool(name: string): Pool {
  const cached = cache.get(name);
  if (cached) return cached;
  const loader = loaders[name];
  if (!loader) throw new Error(`unknown dataset "${name}" (known: ${Object.keys(loaders).join(', ')})`);
  const pool = loader();
  cache.set(name, pool);
  return pool;
}
