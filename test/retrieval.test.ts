import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { queryScores, retrieve, type RetrievalSpec } from '../src/hopfield/retrieval.ts';
import { linearSpace, pixelSpace } from '../src/hopfield/featureSpace.ts';
import { errorPerQuery, meanOf, successRate } from '../src/metrics/retrievalError.ts';
import { pairGeometry, retrievalEnds } from '../src/metrics/diagnostics.ts';
import * as diagnostics from '../src/metrics/diagnostics.ts';
import { runCell } from '../src/experiments/cell.ts';
import { resolveConfig } from '../src/config/parity.ts';
import { validateConfig } from '../src/config/load.ts';
import { loadPool } from '../src/data/registry.ts';
import { gatherRows } from '../src/data/pool.ts';
import { corrupt } from '../src/data/corruptions.ts';
import { rngFor } from '../src/random/prng.ts';
import { backend, assertClose } from './helpers.ts';
import * as oracle from './oracle.ts';

before(backend);

const spec: RetrievalSpec = {
  similarity: 'dot',
  separation: 'softmax',
  degree: 10,
  steps: 1,
  beta: 1,
  betaPlacement: 'output',
  distanceSign: 'positive',
};

test('error metric: sum over pixels of squared differences after clamping both images to [0, 1]', () => {
  const targets = tf.tensor2d([[0, 0.5, 1, 2]]);
  const outputs = tf.tensor2d([[-1, 1, 0.25, 3]]);
  // clamp: target (0, .5, 1, 1), output (0, 1, .25, 1) → 0 + .25 + .5625 + 0
  assertClose(errorPerQuery(targets, outputs), [0.8125], 1e-6, 'error');
  assert.equal(successRate(Float32Array.from([0.5, 1, 2]), 1), 2 / 3);
  const ends = retrievalEnds(tf.tensor2d([[0.1, 0.9], [0.6, 0.4]]), Int32Array.from([1, 1]), Int32Array.from([0, 0]), null);
  assert.deepEqual(ends, { target: 0.5, nearest: 0.5, label: NaN, distinct: 2, ends: Int32Array.from([1, 0]) });
  tf.dispose([targets, outputs]);
});

test('Δ_min = 1 − largest pairwise cosine; mean pairwise cosine', () => {
  const rows = tf.tensor2d([
    [1, 0],
    [0, 2],
    [1, 1],
  ]);
  const geometry = pairGeometry(rows);
  assert.ok(Math.abs(geometry.deltaMin - (1 - Math.SQRT1_2)) < 1e-6);
  assert.ok(Math.abs(geometry.meanCosine - (0 + Math.SQRT1_2 + Math.SQRT1_2) / 3) < 1e-6);
  rows.dispose();
});

test('β placement: official scales the output, textbook the logits', () => {
  const memories = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  const query = tf.tensor2d([[1, 0.5]]);
  const space = pixelSpace(memories);
  const official = retrieve(memories, space, query, { ...spec, beta: 2, betaPlacement: 'output' });
  const textbook = retrieve(memories, space, query, { ...spec, beta: 2, betaPlacement: 'logits' });
  const p = oracle.softmax([1, 0.5]);
  const pBeta = oracle.softmax([2, 1]);
  assertClose(official.states.dataSync(), [2 * p[0], 2 * p[1]], 1e-6, 'official');
  assertClose(textbook.states.dataSync(), pBeta, 1e-6, 'textbook');
  tf.dispose([memories, query, official.states, official.weights, textbook.states, textbook.weights]);
  space.dispose();
});

test('T steps iterate the update from the previous state', () => {
  const memories = tf.tensor2d([
    [1, 0, 0],
    [0.8, 0.6, 0],
    [0, 0, 1],
  ]);
  const query = tf.tensor2d([[0.5, 0.5, 0.2]]);
  const space = pixelSpace(memories);
  const rows = memories.arraySync() as number[][];
  let x = [0.5, 0.5, 0.2];
  for (let t = 0; t < 3; t++) {
    const p = oracle.softmax(rows.map((xi) => oracle.dot(xi, x)));
    x = [0, 1, 2].map((i) => rows.reduce((acc, xi, mu) => acc + p[mu] * xi[i], 0));
  }
  const result = retrieve(memories, space, query, { ...spec, steps: 3, betaPlacement: 'logits' });
  assertClose(result.states.dataSync(), x, 1e-6, '3 steps');
  tf.dispose([memories, query, result.states, result.weights]);
  space.dispose();
});

test('U-Hop scores in Φ-space: K(ξ, x) = (Wξ)ᵀ(Wx), output stays a mix of raw memories', () => {
  const memories = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  const query = tf.tensor2d([[0.2, 0.3]]);
  const wT = tf.tensor2d([
    [3, 0],
    [0, 1],
  ]); // W = diag(3, 1)
  const space = linearSpace(memories, wT);
  wT.dispose(); // the space keeps its own reference
  const result = retrieve(memories, space, query, { ...spec, betaPlacement: 'logits' });
  const p = oracle.softmax([9 * 0.2, 0.3]);
  assertClose(result.states.dataSync(), p, 1e-6, 'U-Hop');
  tf.dispose([memories, query, result.states, result.weights]);
  space.dispose();
});

test('MHN softmax error of a pinned MNIST memory set matches an independent plain-JS computation to 1e-4', async () => {
  const pinned = [3, 1500, 2750, 4021, 5000, 6100, 7007, 8200, 9123, 42, 999, 1234];
  const config = resolveConfig(
    validateConfig(
      {
        name: 'pinned',
        parity: 'official',
        dataset: { name: 'mnist', indices: pinned },
        memories: [12],
        seeds: [7],
        models: [{ name: 'MHN softmax' }],
      },
      'test',
    ),
  );
  const pool = loadPool(config.dataset);
  const [record] = (await runCell(config, pool, { memories: 12, seed: 7 }, await backend())).records;
  const memoryRows = gatherRows(pool, pinned);
  const queryRows = corrupt(memoryRows, pool.dim, config.corruption, rngFor(7, 12, 'query'));
  const expected = oracle.mhnSoftmaxError(oracle.toRows(memoryRows, pool.dim), oracle.toRows(queryRows, pool.dim));
  assert.ok(Math.abs(record.error - expected) < 1e-4, `tfjs ${record.error} vs plain JS ${expected}`);
  assert.ok(expected > 0.01, 'the check needs a memory set where the error is not trivially 0');
  assert.equal(record.mse, record.error / 784);
  assert.ok(Math.abs(meanOf([1, 2, 3]) - 2) < 1e-12);
});

test('retrieval from the first scores given (queryScores): the same states, weights and per-step results as without, the scores left to the caller', () => {
  const memories = tf.tensor2d([0.9, 0.1, 0.3, 0.2, 0.8, 0.4, 0.5, 0.5, 0.9, 0.1, 0.7, 0.6], [4, 3]);
  const queries = tf.tensor2d([0.6, 0.4, 0.2, 0.1, 0.9, 0.5], [2, 3]);
  const wT = tf.tensor2d([1, 0.5, -0.2, 0.3, 0.7, 1.1], [3, 2]);
  const space = linearSpace(memories, wT);
  const threeSteps = { ...spec, steps: 3, beta: 2, betaPlacement: 'logits' as const };
  const seen = (into: number[][]) => (_step: number, result: { logits: tf.Tensor; states: tf.Tensor }) => into.push([...result.logits.dataSync(), ...result.states.dataSync()]);
  const [alone, given] = [[], []] as number[][][];
  const reference = retrieve(memories, space, queries, threeSteps, seen(alone));
  const first = queryScores(space, queries, threeSteps);
  const shared = retrieve(memories, space, queries, threeSteps, seen(given), first);
  assert.deepEqual(given, alone, 'every step: logits and states');
  assert.deepEqual(shared.states.dataSync(), reference.states.dataSync());
  assert.deepEqual(shared.weights.dataSync(), reference.weights.dataSync());
  assert.ok(!first.logits.isDisposed && !first.features.isDisposed, 'the caller disposes the scores it gave');
  tf.dispose([memories, queries, wT, reference.states, reference.weights, shared.states, shared.weights, first.logits, first.features]);
  space.dispose();
});

test('models that score alike share their first step (one job): each record is the one it has when run alone', async () => {
  const models = [
    { name: 'softmax', separation: 'softmax' },
    { name: 'sparsemax', separation: 'sparsemax' },
    { name: 'poly-3', separation: 'poly', degree: 3 },
    { name: 'l2', similarity: 'l2', separation: 'softmax' },
    { name: 'Φ softmax', separation: 'softmax', featureMap: true },
    { name: 'Φ entmax', separation: 'entmax15', featureMap: true },
  ];
  const configOf = (chosen: typeof models) =>
    resolveConfig(
      validateConfig(
        {
          name: 'shared-scores',
          dataset: { name: 'synthetic-sphere', dim: 12, count: 60, seed: 4 },
          memories: [20],
          seeds: 1,
          retrieval: { steps: 3, beta: 4 },
          featureMap: { dim: 6, epochs: 3, lr: 0.1 },
          models: chosen,
        },
        'test',
      ),
    );
  const together = configOf(models);
  const pool = loadPool(together.dataset);
  const label = await backend();
  const { records, trace } = await runCell(together, pool, { memories: 20, seed: 1 }, label);
  for (const model of models) {
    const alone = await runCell(configOf([model]), pool, { memories: 20, seed: 1 }, label);
    const record = records.find((r) => r.model === model.name)!;
    assert.deepEqual(record, alone.records[0], model.name);
    assert.deepEqual(trace?.filter((row) => row.model === model.name), alone.trace, `${model.name}: per-step trace`);
  }
});

test('allFinite: false for a NaN or an infinity anywhere (each of the four running sums, the tail), true for the largest finite float32 values', () => {
  const { allFinite } = diagnostics;
  for (const n of [1, 4, 7, 8, 13]) {
    for (let at = 0; at < n; at++) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const values = new Float32Array(n).fill(0.5);
        values[at] = bad;
        const tensor = tf.tensor1d(values);
        assert.equal(allFinite(tensor), false, `n ${n}, ${bad} at ${at}`);
        tensor.dispose();
      }
    }
  }
  const opposite = tf.tensor1d([Infinity, -Infinity, 1, 2, 3]);
  const huge = tf.tensor1d(new Float32Array(1001).fill(3.4028234663852886e38));
  assert.equal(allFinite(opposite), false, '+Inf and −Inf in different sums');
  assert.equal(allFinite(huge), true, 'a float32 sum would overflow; the float64 sums do not');
  tf.dispose([opposite, huge]);
});

test('logitGaps: the gaps of tfjs\'s topk then sub, ties, infinities and NaN rows included', () => {
  const byTopk = (logits: tf.Tensor2D) =>
    tf.tidy(() => {
      const { values } = tf.topk(logits, 2);
      return tf.sub(tf.slice(values, [0, 0], [-1, 1]), tf.slice(values, [0, 1], [-1, 1])).dataSync() as Float32Array;
    });
  const rng = rngFor('logit-gaps');
  for (const [rows, columns] of [[3, 2], [17, 5], [40, 333]]) {
    const values = new Float32Array(rows * columns).map(() => Math.round((rng.next() - 0.5) * 1e4) / (rng.next() < 0.5 ? 7 : 1e6));
    values[1] = values[0]; // a tie at the top of row 0
    values[columns] = Infinity;
    values[columns + 1] = Infinity; // row 1: two infinities
    if (rows > 2) values[2 * columns] = -Infinity;
    const logits = tf.tensor2d(values, [rows, columns]);
    assert.deepEqual(Array.from(diagnostics.logitGaps(logits)), Array.from(byTopk(logits)), `${rows} × ${columns}`);
    logits.dispose();
  }
  const withNaN = tf.tensor2d([1, NaN, 3, 4, 2, 0], [2, 3]);
  assert.deepEqual(Array.from(diagnostics.logitGaps(withNaN)).map(String), Array.from(byTopk(withNaN)).map(String), 'a NaN row: as topk orders it');
  withNaN.dispose();
});
