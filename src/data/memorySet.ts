/** Which pool images are the memories of a cell. */
import { UserError } from '../errors.ts';
import { permutation, type Rng } from '../random/prng.ts';
import type { Pool } from './pool.ts';

/**
 * M distinct pool indices: the first M of a seeded permutation of the pool (so, as with the
 * official shuffled DataLoader, the memory sets of one seed are nested in M), or the first M
 * of the pinned `indices`.
 */
export function selectMemoryIndices(pool: Pool, count: number, rng: Rng, pinned?: number[], balanced = false): Int32Array {
  if (pinned) {
    if (pinned.length < count) {
      throw new UserError(`dataset.indices has ${pinned.length} entries but M = ${count} memories are asked for`);
    }
    const bad = pinned.find((k) => k >= pool.count);
    if (bad !== undefined) throw new UserError(`dataset.indices: ${bad} is outside the pool (0..${pool.count - 1})`);
    if (new Set(pinned.slice(0, count)).size !== count) throw new UserError('dataset.indices: the memories must be distinct');
    return Int32Array.from(pinned.slice(0, count));
  }
  if (count > pool.count) throw new UserError(`M = ${count} exceeds the ${pool.count} images of ${pool.name}`);
  const order = permutation(rng, pool.count);
  return balanced ? balancedPrefix(pool, order, count, rng) : order.slice(0, count);
}

/**
 * Class-balanced memory set: each class gets ⌊M/K⌋ memories and a random M mod K classes one
 * more, taken in the order of the same seeded permutation.
 */
function balancedPrefix(pool: Pool, order: Int32Array, count: number, rng: Rng): Int32Array {
  const classes = [...new Set(pool.labels)].sort((a, b) => a - b);
  if (classes.length < 2) throw new UserError(`dataset.balanced: ${pool.name} has no classes to balance`);
  const extra = new Set(Array.from(permutation(rng, classes.length).slice(0, count % classes.length), (i) => classes[i]));
  const quota = new Map(classes.map((c) => [c, Math.floor(count / classes.length) + (extra.has(c) ? 1 : 0)]));
  const chosen: number[] = [];
  for (const index of order) {
    const label = pool.labels[index];
    const left = quota.get(label)!;
    if (left > 0) {
      chosen.push(index);
      quota.set(label, left - 1);
      if (chosen.length === count) break;
    }
  }
  if (chosen.length < count) throw new UserError(`dataset.balanced: not enough images per class in ${pool.name} for M = ${count}`);
  return Int32Array.from(chosen);
}
