/** Which pool images are the memories of a cell. */
import { UserError } from '../config/errors.ts';
import { permutation, type Rng } from '../random/prng.ts';
import type { Pool } from './pool.ts';

/**
 * M distinct pool indices: the first M of a seeded permutation of the pool (so, as with the
 * official shuffled DataLoader, the memory sets of one seed are nested in M), or the first M
 * of the pinned `indices`.
 */
export function selectMemoryIndices(pool: Pool, count: number, rng: Rng, pinned?: number[]): Int32Array {
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
  return permutation(rng, pool.count).slice(0, count);
}
