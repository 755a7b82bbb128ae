import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { separationLosses, stageIObjective } from '../src/featuremap/losses.ts';
import { learningRateAt, trainFeatureMap } from '../src/featuremap/train.ts';
import { logSumExpAll } from '../src/backend/ops.ts';
import { backend, assertClose, centralDifferences } from './helpers.ts';
import * as oracle from './oracle.ts';
import { normalArray, rngFor } from '../src/random/prng.ts';

before(backend);

const sgdDefaults = {
  lrSchedule: 'constant',
  optimizer: 'sgd',
  project: false,
  batchSize: null,
  plateau: null,
  bias: false,
  tau: 0.1,
  lossForm: 'coded',
} as const;

const n = 6;
const d = 5;
const D = 4;
const x = Array.from(normalArray(rngFor('loss-test', 'x'), n * d));
const wT = Array.from(normalArray(rngFor('loss-test', 'w'), d * D));

/** Features X · Wᵀ in float64. */
function features(weightsT: number[]): number[][] {
  return Array.from({ length: n }, (_, r) =>
    Array.from({ length: D }, (_, c) => x.slice(r * d, (r + 1) * d).reduce((acc, v, k) => acc + v * weightsT[k * D + c], 0)),
  );
}

test('max and average separation losses match a plain-JS pairwise-distance computation', () => {
  const expected = oracle.separationLosses(features(wT));
  const f = tf.tensor2d(features(wT));
  for (const name of ['max', 'average'] as const) {
    const loss = separationLosses[name](f, { tau: 0.1, lossForm: 'coded' });
    assert.ok(Math.abs(loss.dataSync()[0] - expected[name]) < 1e-5, `${name}: ${loss.dataSync()[0]} vs ${expected[name]}`);
    loss.dispose();
  }
  f.dispose();
});

test('Stage I objectives (fused max-loss gradient, flag-free average-loss backward) match finite differences and autodiff', () => {
  const xs = tf.tensor2d(x, [n, d]);
  for (const name of ['max', 'average'] as const) {
    const objective = stageIObjective(name, xs);
    const w = tf.variable(tf.tensor2d(wT, [d, D]));
    const { value, grads } = tf.variableGrads(() => objective.apply(w), [w]);
    assert.ok(Math.abs(value.dataSync()[0] - oracle.separationLosses(features(wT))[name]) < 1e-5, `${name} value`);
    const analytic = grads[w.name].dataSync();
    const numeric = centralDifferences((params) => oracle.separationLosses(features(params))[name], wT);
    assertClose(analytic, numeric, 2e-3, `${name} gradient`);
    // and against tfjs's own autodiff of the same loss built from plain ops
    const plain = tf.variableGrads(() => separationLosses[name](tf.matMul(xs, w) as tf.Tensor2D, { tau: 0.1, lossForm: 'coded' }), [w]);
    assertClose(analytic, plain.grads[w.name].dataSync(), 1e-4, `${name} vs autodiff`);
    w.dispose();
    objective.dispose();
  }
  xs.dispose();
});

test('official average-loss learning-rate schedule: lr_t = lr/sqrt(t!)', () => {
  const options = { lr: 1, lrSchedule: 'inverse-sqrt-factorial' as const };
  const expected = [1, 1, 1 / Math.sqrt(2), 1 / Math.sqrt(6), 1 / Math.sqrt(24), 1 / Math.sqrt(120)];
  assertClose(expected.map((_, t) => learningRateAt(t, options)), expected, 1e-12, 'schedule');
  assert.equal(learningRateAt(50, { lr: 10, lrSchedule: 'constant' }), 10);
});

test('Stage I with the max loss increases the minimal pairwise distance', () => {
  const xs = tf.tensor2d(x, [n, d]);
  const w0 = tf.tensor2d(wT, [d, D]);
  const result = trainFeatureMap(xs, w0, { ...sgdDefaults, loss: 'max', epochs: 50, lr: 0.5 });
  assert.equal(result.losses.length, 50);
  assert.ok(result.lossAfter < result.losses[0] - 0.1, `loss ${result.losses[0]} → ${result.lossAfter}`);
  const trained = Array.from(result.weightsT.dataSync());
  const expected = oracle.separationLosses(features(trained)).max;
  assert.ok(Math.abs(expected - result.lossAfter) < 1e-4);
  [xs, w0, result.weightsT].forEach((t) => t.dispose());
});

test('float64 max-loss SGD path = the tfjs objective differentiated step by step (losses, pairs and weights)', () => {
  // 30 memories in 40-d mapped to 24-d, lr large enough that the closest pair changes many times
  const [rows, inDim, outDim] = [30, 40, 24];
  const xs = tf.tensor2d(normalArray(rngFor('fused-test', 'x'), rows * inDim), [rows, inDim]);
  const w0 = tf.tensor2d(normalArray(rngFor('fused-test', 'w'), inDim * outDim), [inDim, outDim]);
  const cases = [
    { lr: 2, epochs: 60, lrSchedule: 'constant' as const, plateau: null },
    { lr: 5, epochs: 40, lrSchedule: 'inverse-sqrt-factorial' as const, plateau: null },
    { lr: 0.01, epochs: 60, lrSchedule: 'constant' as const, plateau: { patience: 3, minDelta: 0.05 } },
  ];
  for (const settings of cases) {
    const options = { ...sgdDefaults, ...settings, loss: 'max' as const };
    const fused = trainFeatureMap(xs, w0, options);
    const tensor = trainFeatureMap(xs, w0, { ...options, solver: 'tensor' });
    assert.equal(fused.losses.length, tensor.losses.length, `${settings.lr}: steps run`);
    assertClose(fused.losses, tensor.losses, 2e-4, `${settings.lr}: losses`);
    assert.ok(new Set(tensor.losses).size > 5 || settings.plateau, 'the closest pair should keep changing');
    const scale = Math.max(...Array.from(tensor.weightsT.dataSync(), Math.abs));
    assertClose(fused.weightsT.dataSync(), tensor.weightsT.dataSync(), 1e-4 * scale, `${settings.lr}: weights`);
    assert.ok(Math.abs(fused.lossAfter - tensor.lossAfter) < 2e-4, `${fused.lossAfter} vs ${tensor.lossAfter}`);
    [fused.weightsT, tensor.weightsT].forEach((t) => t.dispose());
  }
  [xs, w0].forEach((t) => t.dispose());
});

test('fused log-sum-exp: value and gradient equal a plain-JS computation, −∞ entries included', () => {
  const values = [
    [0.3, -Infinity, 2.5],
    [40, 39.5, -Infinity],
  ];
  const flat = values.flat();
  const finite = flat.filter(Number.isFinite);
  const max = Math.max(...finite);
  const lse = max + Math.log(finite.reduce((acc, v) => acc + Math.exp(v - max), 0));
  const x = tf.variable(tf.tensor2d(values));
  const { value, grads } = tf.variableGrads(() => tf.mul(logSumExpAll(x), 3) as tf.Scalar, [x]);
  assert.ok(Math.abs(value.dataSync()[0] - 3 * lse) < 1e-4, `${value.dataSync()[0]} vs ${3 * lse}`);
  assertClose(grads[x.name].dataSync(), flat.map((v) => 3 * Math.exp(v - lse)), 1e-6, 'gradient = dy · softmax');
  tf.dispose([x, value, ...Object.values(grads)]);
});

test('the fused Adam step: the weights of tfjs\'s AdamOptimizer, bit for bit, over many steps (gradients of every scale, zeros, signs)', async () => {
  const { adamFor } = await import('../src/featuremap/adam.ts');
  for (const [rows, columns, lr] of [[7, 5, 0.1], [33, 17, 0.001], [785, 3, 3]] as const) {
    const start = normalArray(rngFor('adam', 'start', rows), rows * columns);
    const fused = tf.variable(tf.tensor2d(start, [rows, columns]));
    const reference = tf.variable(tf.tensor2d(start, [rows, columns]));
    const [ours, theirs] = [adamFor(lr), adamFor(lr, { tfjs: true })];
    for (let step = 0; step < 40; step++) {
      const scale = [1e-6, 1, 1e3, 0][step % 4];
      const gradient = tf.tensor2d(normalArray(rngFor('adam', 'gradient', rows, step), rows * columns, scale || 1).map((g) => g * scale), [rows, columns]);
      ours.step(fused, gradient);
      theirs.step(reference, gradient);
      gradient.dispose();
    }
    assert.deepEqual(fused.dataSync(), reference.dataSync(), `${rows} × ${columns}, lr ${lr}`);
    ours.dispose();
    theirs.dispose();
    tf.dispose([fused, reference]);
  }
});
