import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { runCell } from '../src/experiments/cell.ts';
import { resolveConfig } from '../src/config/parity.ts';
import { validateConfig } from '../src/config/load.ts';
import { loadPool } from '../src/data/registry.ts';
import { spherePool } from '../src/data/synthetic.ts';
import { UserError } from '../src/errors.ts';
import { backend } from './helpers.ts';

before(backend);

/** Index of the memory nearest to `row` (plain JS, squared Euclidean distance). */
function nearest(images: Float32Array, dim: number, row: number, memories: number[]): number {
  const distance = (m: number) => {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (images[row * dim + j] - images[m * dim + j]) ** 2;
    return sum;
  };
  return memories.reduce((best, m) => (distance(m) < distance(best) ? m : best), memories[0]);
}

const memories = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

test('pinned pool queries: exactly those pool points in that order, each aimed at its nearest memory', async () => {
  const dataset = { name: 'synthetic-sphere', dim: 8, count: 60, seed: 0, indices: memories, queryIndices: [50, 7, 23, 41] };
  const config = resolveConfig(
    validateConfig(
      { name: 'q', memories: [10], seeds: [1], dataset, queries: { from: 'pool' }, corruption: { type: 'none' }, metrics: { perQuery: true }, models: [{ name: 'MHN' }] },
      'test',
    ),
  );
  const pool = loadPool(config.dataset);
  const { queries } = await runCell(config, pool, { memories: 10, seed: 1 }, await backend());
  assert.deepEqual(
    queries!.map((q) => q.queryIndex),
    [50, 7, 23, 41],
  );
  const targets = [50, 7, 23, 41].map((k) => nearest(pool.images, pool.dim, k, memories));
  assert.deepEqual(queries!.map((q) => q.targetIndex), targets);
  assert.equal(targets[1], 7, 'a pinned pool point that is a memory is its own target');
  assert.notDeepEqual(targets, [targets[0], targets[0], targets[0], targets[0]], 'the check needs distinct targets');
});

test('pinned test-split queries: exactly those test images in that order; an index outside the split is an error', async () => {
  const config = resolveConfig(
    validateConfig(
      {
        name: 'q',
        memories: [10],
        seeds: [1],
        dataset: { name: 'mnist-full', indices: memories, queryIndices: [3, 0, 11] },
        queries: { from: 'test' },
        corruption: { type: 'none' },
        metrics: { perQuery: true },
        models: [{ name: 'MHN' }],
      },
      'test',
    ),
  );
  // stand-ins for the train and test splits (the cell only needs pools)
  const train = spherePool({ dim: 8, count: 30, seed: 1 });
  const testSplit = { ...spherePool({ dim: 8, count: 12, seed: 2 }), split: 'test' };
  const { queries } = await runCell(config, train, { memories: 10, seed: 1 }, await backend(), testSplit);
  assert.deepEqual(queries!.map((q) => q.queryIndex), [3, 0, 11]);
  // nearest memory of test image k among the train memories
  const joined = new Float32Array([...train.images, ...testSplit.images]);
  const expected = [3, 0, 11].map((k) => nearest(joined, 8, train.count + k, memories));
  assert.deepEqual(queries!.map((q) => q.targetIndex), expected);

  const outside = { ...config, dataset: { ...config.dataset, queryIndices: [12] } };
  await assert.rejects(
    () => runCell(outside, train, { memories: 10, seed: 1 }, 'x', testSplit),
    (e: unknown) => e instanceof UserError && /dataset\.queryIndices: 12 is outside the test split/.test(e.message),
  );
});
