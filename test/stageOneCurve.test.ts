import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import * as tf from '@tensorflow/tfjs';
import { trainFeatureMap, type StageIOptions } from '../src/featuremap/train.ts';
import { pairGeometry } from '../src/metrics/diagnostics.ts';
import { runCell } from '../src/experiments/cell.ts';
import { validateConfig } from '../src/config/load.ts';
import { resolveConfig } from '../src/config/parity.ts';
import { loadPool } from '../src/data/registry.ts';
import { curvePoints } from '../src/output/stageOne.ts';
import { evaluateClaims } from '../src/reproduce/claims.ts';
import { recipeSchema } from '../src/reproduce/recipe.ts';
import type { StageOneRow } from '../src/experiments/records.ts';
import { normalArray, rngFor } from '../src/random/prng.ts';
import { backend } from './helpers.ts';
import * as oracle from './oracle.ts';

before(backend);

const n = 8;
const d = 6;
const D = 5;
const x = Array.from(normalArray(rngFor('curve-test', 'x'), n * d));
const w0 = Array.from(normalArray(rngFor('curve-test', 'w'), d * D));

/** Δ_min = min over pairs of 1 − cos of the features X · Wᵀ, float64. */
function deltaMinOracle(weightsT: ArrayLike<number>): number {
  const rows = Array.from({ length: n }, (_, r) => Array.from({ length: D }, (_, c) => x.slice(r * d, (r + 1) * d).reduce((a, v, k) => a + v * weightsT[k * D + c], 0)));
  let best = Infinity;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) best = Math.min(best, 1 - oracle.dot(rows[i], rows[j]) / (oracle.norm(rows[i]) * oracle.norm(rows[j])));
  return best;
}

const base: StageIOptions = { loss: 'max', epochs: 23, lr: 0.5, lrSchedule: 'constant', optimizer: 'sgd', project: false, batchSize: null, plateau: null, bias: false, tau: 0.1, lossForm: 'coded' };

/** Trains twice from the same start, with and without checkpoints (minibatches: each run gets its own copy of the batch stream). */
function train(options: Partial<StageIOptions>, every = 5) {
  const xs = tf.tensor2d(x, [n, d]);
  const w = tf.tensor2d(w0, [d, D]);
  const deltaMin = (weightsT: tf.Tensor2D) => {
    const features = tf.matMul(xs, weightsT) as tf.Tensor2D;
    const value = pairGeometry(features).deltaMin;
    features.dispose();
    return value;
  };
  const withCurve = trainFeatureMap(xs, w, { ...base, ...options, rng: rngFor('curve-batches'), curve: { every, deltaMin } });
  const without = trainFeatureMap(xs, w, { ...base, ...options, rng: rngFor('curve-batches') });
  const result = { ...withCurve, weights: Array.from(withCurve.weightsT.dataSync()), plainWeights: Array.from(without.weightsT.dataSync()), plainLosses: without.losses };
  tf.dispose([xs, w, withCurve.weightsT, without.weightsT]);
  return result;
}

test('Stage I checkpoints: epoch 0, every k and after the last; Δ_min against plain JS; the trajectory is the one without checkpoints', () => {
  for (const solver of ['auto', 'tensor'] as const) {
    const result = train({ solver });
    assert.deepEqual(result.checkpoints.map((c) => c.epoch), [0, 5, 10, 15, 20, 23], solver);
    assert.ok(Math.abs(result.checkpoints[0].deltaMin - deltaMinOracle(w0)) < 1e-5, `${solver}: Δ_min at epoch 0`);
    assert.ok(Math.abs(result.checkpoints.at(-1)!.deltaMin - deltaMinOracle(result.weights)) < 1e-5, `${solver}: Δ_min after training`);
    // the max loss is 2t(cos_max − 1) = −4·Δ_min
    for (const c of result.checkpoints.slice(0, -1)) assert.ok(Math.abs(c.deltaMin + result.losses[c.epoch] / 4) < 1e-5, `${solver} epoch ${c.epoch}`);
    assert.ok(result.checkpoints.every((c) => c.fullLoss === null), 'full batch: the losses are the curve');
    assert.deepEqual(result.weights, result.plainWeights, `${solver}: same weights with and without the curve`);
    assert.deepEqual(result.losses, result.plainLosses);
  }
  assert.deepEqual(train({}, 0).checkpoints.map((c) => c.epoch), [0, 23], 'curveEvery 0: before and after only');
});

test('minibatches: the whole-set loss at the checkpoints (against plain JS at epoch 0, the trained loss at the end), same trajectory', () => {
  const result = train({ loss: 'uhop-plus', lossForm: 'smooth-max', optimizer: 'adam', lr: 0.05, batchSize: 3, epochs: 12 }, 4);
  assert.deepEqual(result.checkpoints.map((c) => c.epoch), [0, 4, 8, 12]);
  const features0 = Array.from({ length: n }, (_, r) => Array.from({ length: D }, (_, c) => x.slice(r * d, (r + 1) * d).reduce((a, v, k) => a + v * w0[k * D + c], 0)));
  assert.ok(Math.abs(result.checkpoints[0].fullLoss! - oracle.smoothMax(features0, 0.1)) < 1e-4, `${result.checkpoints[0].fullLoss}`);
  assert.equal(result.checkpoints.at(-1)!.fullLoss, result.lossAfter);
  assert.deepEqual(result.weights, result.plainWeights, 'the checkpoints draw no random numbers and move nothing');
  assert.deepEqual(result.losses, result.plainLosses);
});

test('in a cell: one stage1 row per epoch 0 … N; full-batch loss = sepLossInit at 0 and sepLossFinal at N; minibatch rows carry batchLoss', async () => {
  const label = await backend();
  const config = resolveConfig(validateConfig({ name: 'curve', memories: [10], seeds: [1], featureMap: { epochs: 12, curveEvery: 4 }, models: [{ name: 'MHN' }, { name: 'U-Hop', featureMap: true }] }, 'c'));
  const pool = loadPool(config.dataset);
  const result = await runCell(config, pool, { memories: 10, seed: 1 }, label);
  const rows = result.stageOne!;
  const uhop = result.records.find((r) => r.model === 'U-Hop')!;
  assert.deepEqual(rows.map((r) => r.epoch), Array.from({ length: 13 }, (_, e) => e));
  assert.equal(rows[0].loss, uhop.sepLossInit);
  assert.equal(rows[12].loss, uhop.sepLossFinal, 'textbook: the loss after training');
  assert.deepEqual(rows.filter((r) => r.deltaMin !== null).map((r) => r.epoch), [0, 4, 8, 12]);
  assert.ok(rows.every((r) => r.batchLoss === null && r.M === 10 && r.seed === 1 && r.featureDim === 784));
  assert.ok(Math.abs(rows[12].deltaMin! - uhop.deltaMin) < 0.5, 'trained on all memories: Δ_min of Φ(Ξ) is that of the records (up to float32)');

  const batched = resolveConfig(
    validateConfig({ name: 'curve', memories: [10], seeds: [1], featureMap: { epochs: 3, batchSize: 4, loss: 'uhop-plus', optimizer: 'adam', curveEvery: 2 }, models: [{ name: 'U-Hop+', featureMap: true }] }, 'c'),
  );
  const batchRows = (await runCell(batched, pool, { memories: 10, seed: 1 }, label)).stageOne!;
  assert.deepEqual(batchRows.map((r) => [r.epoch, r.loss !== null, r.batchLoss !== null, r.deltaMin !== null]), [
    [0, true, false, true],
    [1, false, true, false],
    [2, true, true, true],
    [3, true, true, true],
  ]);
  const baselineOnly = resolveConfig(validateConfig({ name: 'curve', memories: [10], seeds: [1], models: [{ name: 'MHN' }] }, 'c'));
  assert.equal((await runCell(baselineOnly, pool, { memories: 10, seed: 1 }, label)).stageOne, undefined, 'no trained Φ, no curve');
});

test('curve points: mean, min and max over seeds per M and epoch; the batch mean where there is one', () => {
  const row = (M: number, seed: number, epoch: number, loss: number | null, batchLoss: number | null = null): StageOneRow => ({ M, seed, featureDim: 3, epoch, loss, batchLoss, deltaMin: null });
  const points = curvePoints([row(10, 1, 0, 2), row(10, 2, 0, 4), row(10, 1, 1, 1), row(10, 2, 1, 3), row(20, 1, 0, null, 5), row(20, 1, 1, 9, 7)]);
  assert.deepEqual(points.map((p) => [p.curve, p.epoch, p.mean, p.low, p.high, p.seeds]), [
    ['M = 10', 0, 3, 2, 4, 2],
    ['M = 10', 1, 2, 1, 3, 2],
    ['M = 20', 0, 5, 5, 5, 1],
    ['M = 20', 1, 7, 7, 7, 1],
  ]);
});

test('uhop run configs/mnist.json writes stage1.csv (101 rows per cell at 100 epochs) and stage1-loss.png; the loss-drop claim reads it', () => {
  const out = mkdtempSync(join(tmpdir(), 'uhop-stage1-'));
  const run = spawnSync(process.execPath, ['bin/uhop', 'run', 'configs/mnist.json', '--out', out, '--set', 'memories=[10]', '--set', 'seeds=2', '--quiet'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const rows = parse(readFileSync(join(out, 'stage1.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  assert.deepEqual(Object.keys(rows[0]), ['models', 'M', 'seed', 'featureDim', 'epoch', 'loss', 'batchLoss', 'deltaMin']);
  for (const seed of ['1', '2']) assert.equal(rows.filter((r) => r.seed === seed).length, 101, `seed ${seed}`);
  assert.equal(rows[0].models, 'U-Hop softmax; U-Hop sparsemax');
  assert.ok(rows.every((r) => r.loss !== '' && r.batchLoss === ''));
  assert.deepEqual([...readFileSync(join(out, 'stage1-loss.png')).subarray(1, 4)], [...Buffer.from('PNG')]);
  assert.match(readFileSync(join(out, 'stage1-loss.svg'), 'utf8'), /^<svg/);
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /!\[Stage I separation loss vs epoch\]\(stage1-loss\.png\)/);

  const recipe = (within: number, minShare: number) =>
    recipeSchema.parse({
      name: 'curve', paper: 'U-Hop (ICML 2024)', figure: 'f', protocol: 'official', config: 'x.json', profiles: { ci: {}, full: {} },
      claims: [{ kind: 'loss-drop', id: 'drop', text: 't', within, minShare }],
    });
  const [early] = evaluateClaims({ recipe: recipe(50, 0.9), profile: 'ci' }, out);
  assert.equal(early.status, 'pass', early.value);
  assert.match(early.value, /smallest share of the fall by epoch 50: \d\.\d+ \(M = 10: loss -1\.\d+ → -4\.\d+; 1 curves/);
  const [late] = evaluateClaims({ recipe: recipe(2, 0.5), profile: 'ci' }, out);
  assert.equal(late.status, 'fail', late.value);

  const plain = mkdtempSync(join(tmpdir(), 'uhop-stage1-'));
  const baseline = spawnSync(process.execPath, ['bin/uhop', 'run', 'configs/mnist.json', '--out', plain, '--set', 'memories=[10]', '--set', 'models=[{"name":"MHN"}]', '--quiet'], { encoding: 'utf8' });
  assert.equal(baseline.status, 0, baseline.stderr);
  assert.equal(existsSync(join(plain, 'stage1.csv')), false, 'no trained Φ: no stage1.csv');
});

test('Stage I leaves no tensor behind once its result is disposed (with and without a bias row)', async () => {
  const { runStageOne } = await import('../src/experiments/stageOne.ts');
  for (const bias of [false, true]) {
    const config = resolveConfig(
      validateConfig({ name: 'leak', dataset: { name: 'synthetic-sphere', dim: 8, count: 50, seed: 1 }, memories: [10], seeds: 1, models: [{ name: 'u', featureMap: true }], featureMap: { epochs: 3, lr: 0.1, bias } }, 'leak'),
    );
    const memories = tf.randomNormal([10, 8]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    runStageOne(config, memories, 8, { memories: 10, seed: 1 }).dispose();
    assert.equal(tf.memory().numTensors, before, `bias ${bias}`);
    memories.dispose();
  }
});
