import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { linearSpace, pixelSpace } from '../src/hopfield/featureSpace.ts';
import { stepLogits, type RetrievalSpec } from '../src/hopfield/retrieval.ts';
import { matchTemperature } from '../src/hopfield/temperature.ts';
import { frobeniusNorm, logitScale, nearestMemories, pairGeometry, rowNorms } from '../src/metrics/diagnostics.ts';
import { runCell } from '../src/experiments/cell.ts';
import { blockInputs, type CellContext } from '../src/experiments/evaluateModel.ts';
import { runStageOne } from '../src/experiments/stageOne.ts';
import { resolveConfig } from '../src/config/parity.ts';
import { validateConfig } from '../src/config/load.ts';
import { loadPool } from '../src/data/registry.ts';
import { gatherRows } from '../src/data/pool.ts';
import { UserError } from '../src/errors.ts';
import { backend } from './helpers.ts';

before(backend);

const spec: RetrievalSpec = { similarity: 'dot', separation: 'softmax', degree: 10, steps: 1, beta: 1, betaPlacement: 'logits', distanceSign: 'negative' };

test('logit scale: median over queries of the top-two gap; the kernel (Wξ)ᵀ(Wx) scales it by 4 when W doubles, Δ_min unchanged', () => {
  assert.equal(logitScale(tf.tensor2d([[3, 1, 0], [0, 5, 4.5], [2, 2, 1]])), 0.5);
  const memories = tf.tensor2d([[1, 0, 0], [0.6, 0.8, 0], [0, 0.3, 1]]);
  const queries = tf.tensor2d([[0.9, 0.1, 0], [0.1, 0.2, 0.9]]);
  const w = tf.tensor2d([[1, 0.2, 0], [0, 1, 0.5], [0.3, 0, 1]]);
  const once = linearSpace(memories, w);
  const twice = linearSpace(memories, tf.mul(w, 2) as tf.Tensor2D);
  const scale1 = logitScale(stepLogits(once, queries, spec));
  const scale2 = logitScale(stepLogits(twice, queries, spec));
  assert.ok(Math.abs(scale2 / scale1 - 4) < 1e-5, `ratio ${scale2 / scale1}`);
  assert.ok(Math.abs(pairGeometry(once.memories.rows).deltaMin - pairGeometry(twice.memories.rows).deltaMin) < 1e-6);
  assert.ok(Math.abs(rowNorms(twice.memories.rows).max / rowNorms(once.memories.rows).max - 2) < 1e-6);
  assert.ok(Math.abs(frobeniusNorm(tf.tensor2d([[3, 0], [0, 4]])) - 5) < 1e-6);
  assert.deepEqual(Array.from(nearestMemories(queries, memories)), [0, 2]);
  once.dispose();
  twice.dispose();
});

test('temperature bisection hits the target logit scale to 1e-3', () => {
  const memories = tf.tensor2d([[1, 0], [0.8, 0.6], [0, 1]]);
  const queries = tf.tensor2d([[1, 0.1], [0.2, 1], [0.7, 0.7]]);
  const space = pixelSpace(memories);
  const scores = stepLogits(space, queries, spec);
  const target = 123.4;
  const match = matchTemperature((beta) => logitScale(tf.mul(scores, beta) as tf.Tensor2D), target);
  assert.ok(Math.abs(match.scale - target) / target < 1e-3, `scale ${match.scale}`);
  assert.ok(Math.abs(match.beta - target / logitScale(scores)) / match.beta < 1e-3);
  assert.ok(Number.isNaN(matchTemperature(() => 1, 0).beta), 'no target, no β');
  space.dispose();
});

function controlsConfig(models: unknown[], extra: Record<string, unknown> = {}) {
  return resolveConfig(
    validateConfig({ name: 'controls', parity: 'official', memories: [12], seeds: [3], featureMap: { epochs: 20 }, models, ...extra }, 'test'),
  );
}

test('in a cell: the temperature-matched baseline reaches its reference scale, the norm-matched Φ has the init norm', async () => {
  const config = controlsConfig([
    { name: 'MHN' },
    { name: 'U-Hop', featureMap: true },
    { name: 'MHN matched', control: 'temperature-matched' },
    { name: 'U-Hop norm-matched', featureMap: true, control: 'norm-matched' },
    { name: 'U-Hop normalised', featureMap: true, control: 'normalized', beta: 30 },
  ]);
  const pool = loadPool(config.dataset);
  const { records } = await runCell(config, pool, { memories: 12, seed: 3 }, await backend());
  const by = Object.fromEntries(records.map((r) => [r.model, r]));
  assert.deepEqual(records.map((r) => r.model), config.models.map((m) => m.name), 'records in config order');
  assert.ok(Math.abs(by['MHN matched'].logitScale / by['U-Hop'].logitScale - 1) < 1e-3);
  assert.ok(by['MHN matched'].beta > 10, `β ${by['MHN matched'].beta}`);
  assert.equal(by['MHN matched'].control, 'temperature-matched');
  assert.equal(by['U-Hop norm-matched'].wNormTrained, by['U-Hop norm-matched'].wNormInit);
  assert.ok(by['U-Hop'].wNormTrained !== by['U-Hop'].wNormInit);
  assert.ok(Math.abs(by['U-Hop norm-matched'].deltaMin - by['U-Hop'].deltaMin) < 1e-6, 'rescaling keeps the geometry');
  assert.equal(by['U-Hop normalised'].similarity, 'cosine');
  assert.ok(by['U-Hop normalised'].logitScale <= 2 * 30, 'cosine logits are bounded by 2β');
  assert.equal(by.MHN.deltaMinInit, by.MHN.deltaMinRaw);
  assert.notEqual(by['U-Hop'].deltaMinInit, by['U-Hop'].deltaMin, 'Stage I moves Δ_min');
  // the norm-matched features are the trained ones scaled by ‖W_0‖/‖W‖
  const memories = tf.tensor2d(gatherRows(pool, [0, 1, 2, 3]), [4, pool.dim]);
  const stage = runStageOne(config, memories, pool.dim, { memories: 4, seed: 1 });
  const ratio = rowNorms(stage.normMatched().memories.rows).max / rowNorms(stage.space.memories.rows).max;
  assert.ok(Math.abs(ratio - stage.wNormInit / stage.wNormTrained) < 1e-5);
  stage.dispose();
  memories.dispose();
});

test('pinned queries replay a query set: only those memories are queried, in order; a non-memory is an error', async () => {
  const indices = [5, 17, 300, 4000, 9000, 12, 77, 1234];
  const config = controlsConfig([{ name: 'MHN' }], {
    dataset: { name: 'mnist', indices, queryIndices: [300, 5, 9000] },
    memories: [8],
    corruption: { type: 'none' },
    metrics: { perQuery: true },
  });
  const { records, queries } = await runCell(config, loadPool(config.dataset), { memories: 8, seed: 3 }, await backend());
  assert.equal(records[0].exactRate, 1, 'uncorrupted queries of distinct digits retrieve themselves');
  assert.ok(records[0].distinctEnds === 3);
  // queries.csv rows: pool indices in the pinned order, each ending at its own memory
  assert.deepEqual(queries!.map((q) => [q.queryIndex, q.targetIndex, q.endIndex]), [[300, 300, 300], [5, 5, 5], [9000, 9000, 9000]]);
  assert.ok(queries!.every((q) => q.error < 1e-6 && q.support >= 1));
  const bad = controlsConfig([{ name: 'MHN' }], { dataset: { name: 'mnist', indices, queryIndices: [6] }, memories: [8] });
  await assert.rejects(() => runCell(bad, loadPool(bad.dataset), { memories: 8, seed: 3 }, 'x'), (e: unknown) => e instanceof UserError && /queryIndices: 6 is not a memory/.test(e.message));
});

test('control settings are validated with paths', () => {
  assert.throws(() => controlsConfig([{ name: 'a', control: 'temperature-matched' }]), /models\.0\.matchTo: no U-Hop model/);
  assert.throws(() => controlsConfig([{ name: 'a', featureMap: true, control: 'temperature-matched' }]), /models\.0\.control/);
  assert.throws(() => controlsConfig([{ name: 'a', control: 'norm-matched' }]), /needs featureMap: true/);
  assert.throws(() => controlsConfig([{ name: 'u', featureMap: true }, { name: 'a', control: 'temperature-matched', matchTo: 'zz' }]), /no model is named "zz"/);
});

test('large query × memory products run in row blocks with the same results (UHOP_BLOCK_ENTRIES forces blocks)', async () => {
  const config = controlsConfig(
    [
      { name: 'MHN' },
      { name: 'sparse', separation: 'sparsemax' },
      { name: 'U-Hop', featureMap: true },
      { name: 'MHN matched', control: 'temperature-matched' },
    ],
    { memories: [40], retrieval: { steps: 3 } },
  );
  const pool = loadPool(config.dataset);
  const whole = await runCell(config, pool, { memories: 40, seed: 3 }, await backend());
  process.env.UHOP_BLOCK_ENTRIES = String(40 * 7); // 7 queries per block, and blocks in Δ_min and nearest memories
  try {
    const blocked = await runCell(config, pool, { memories: 40, seed: 3 }, await backend());
    whole.records.forEach((a, i) => {
      const b = blocked.records[i];
      for (const key of ['error', 'exactRate', 'deltaMin', 'meanCos', 'metastableShare', 'convergedTarget', 'endNearest', 'distinctEnds', 'stepsUsed'] as const) {
        assert.ok(Math.abs(Number(a[key]) - Number(b[key])) <= 1e-4 * Math.max(1, Math.abs(Number(a[key]))), `${a.model} ${key}: ${a[key]} vs ${b[key]}`);
      }
      assert.ok(Math.abs(a.logitScale / b.logitScale - 1) < 1e-3, `${a.model} logit scale`);
    });
    assert.equal(blocked.trace.length, whole.trace.length);
  } finally {
    delete process.env.UHOP_BLOCK_ENTRIES;
  }
});

test('a block reads only its inputs from the cell: handing blocks out computes nothing of the cell (not the memories’ Δ_min)', () => {
  const memories = tf.tensor2d([[1, 0], [0, 1]]);
  const read: string[] = [];
  const fields = { memories, memoryValues: new Float32Array([1, 0, 0, 1]), dim: 2, queryValues: new Float32Array([1, 0]), targets: new Int32Array([0]), plugins: {}, pixels: pixelSpace(memories), stage: null, rawGeometry: () => assert.fail('Δ_min computed') };
  const context = new Proxy(fields, { get: (target, key) => (read.push(String(key)), target[key as keyof typeof fields]) }) as unknown as CellContext;
  const inputs = blockInputs(context, 'pixels');
  assert.equal(inputs.space, fields.pixels);
  assert.deepEqual([...new Set(read)].sort(), ['dim', 'memories', 'memoryValues', 'pixels', 'plugins', 'queryValues', 'targets']);
});
