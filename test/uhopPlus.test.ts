import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { codedUhopPlusLoss, smoothMaxLoss } from '../src/featuremap/uhopPlusLoss.ts';
import { stageIObjective } from '../src/featuremap/losses.ts';
import { trainFeatureMap } from '../src/featuremap/train.ts';
import { separations } from '../src/hopfield/separations.ts';
import { pixelSpace } from '../src/hopfield/featureSpace.ts';
import { retrieve } from '../src/hopfield/retrieval.ts';
import { hasEnergy, meanEnergy } from '../src/hopfield/energy.ts';
import { convergence, supportHistogram, supportSizes } from '../src/metrics/metastable.ts';
import { pairGeometry } from '../src/metrics/diagnostics.ts';
import { separationLowerBound, separationUpperBound, tammesSeparation } from '../src/metrics/sphericalCode.ts';
import { initialWeightsT, transposeInto } from '../src/featuremap/linear.ts';
import { spherePool } from '../src/data/synthetic.ts';
import { normalArray, rngFor } from '../src/random/prng.ts';
import { backend, assertClose, centralDifferences } from './helpers.ts';
import * as oracle from './oracle.ts';

before(backend);

const features = oracle.toRows(normalArray(rngFor('uhop-plus-test'), 7 * 4), 4);

test('coded U-Hop+ loss and its one-factor gradient match a plain-JS computation', () => {
  const expected = oracle.codedUhopPlus(features, 0.1);
  const f = tf.variable(tf.tensor2d(features));
  const { value, grads } = tf.variableGrads(() => codedUhopPlusLoss(f, 0.1), [f]);
  assert.ok(Math.abs(value.dataSync()[0] - expected.loss) < 1e-5, `${value.dataSync()[0]} vs ${expected.loss}`);
  assertClose(grads[f.name].dataSync(), expected.gradient.flat(), 1e-4, 'stop-gradient');
});

test('smooth-max loss: value, gradient against finite differences, and → max cosine as τ → 0', () => {
  const f = tf.tensor2d(features);
  assert.ok(Math.abs(smoothMaxLoss(f, 0.1).dataSync()[0] - oracle.smoothMax(features, 0.1)) < 1e-5);
  const maxCos = 1 - pairGeometry(f).deltaMin;
  assert.ok(Math.abs(smoothMaxLoss(f, 0.001).dataSync()[0] - maxCos) < 0.01);
  // gradient with respect to Wᵀ through the Stage I objective (x = identity rows)
  const x = tf.eye(7) as tf.Tensor2D;
  const objective = stageIObjective('uhop-plus', x, { tau: 0.1, lossForm: 'smooth-max' });
  const w = tf.variable(tf.tensor2d(features));
  const analytic = tf.variableGrads(() => objective.apply(w), [w]).grads[w.name].dataSync();
  const numeric = centralDifferences((params) => oracle.smoothMax(oracle.toRows(params, 4), 0.1), features.flat());
  assertClose(analytic, numeric, 2e-3, 'smooth-max gradient');
});

test('α-entmax by bisection equals sparsemax at α = 2, 1.5-entmax at α = 1.5, and tends to softmax as α → 1', () => {
  const scores = tf.tensor2d([[1.2, 0.3, -0.5, 1.0], [3, 2.9, 0, -1]]);
  const get = (name: keyof typeof separations, alpha?: number) => separations[name](scores, { degree: 10, alpha }).dataSync();
  assertClose(get('entmax', 2), get('sparsemax'), 1e-5, 'α = 2');
  assertClose(get('entmax', 1.5), get('entmax15'), 1e-5, 'α = 1.5');
  assertClose(get('entmax', 1.0001), get('softmax'), 1e-3, 'α → 1');
  assertClose(get('entmax', 1), get('softmax'), 1e-7, 'α = 1');
});

test('the energy never increases along the retrieval steps: dense, sparsemax and 1.5-entmax (small case)', () => {
  const memories = tf.tensor2d(oracle.toRows(normalArray(rngFor('energy-test'), 6 * 5), 5));
  const queries = tf.tensor2d(oracle.toRows(normalArray(rngFor('energy-queries'), 4 * 5), 5));
  const space = pixelSpace(memories);
  const spec = { similarity: 'dot', separation: 'softmax', degree: 10, steps: 8, beta: 2, betaPlacement: 'logits', distanceSign: 'negative' } as const;
  for (const separation of ['softmax', 'sparsemax', 'entmax15'] as const) {
    const model = { ...spec, separation };
    assert.ok(hasEnergy(model));
    const energies: number[] = [];
    const result = retrieve(memories, space, queries, model, (_, step) => {
      energies.push(meanEnergy(space, step.from!, step.logits, model));
      // the step's own weights p = Sep(z) give the same energy (what the cell passes to save a second Sep)
      assert.ok(Math.abs(meanEnergy(space, step.from!, step.logits, model, step.weights) - energies[energies.length - 1]) < 1e-6);
    });
    assert.equal(energies.length, 8);
    energies.slice(1).forEach((e, i) => assert.ok(e <= energies[i] + 1e-5, `${separation} step ${i + 2}: ${e} > ${energies[i]}`));
    assert.ok(energies[7] < energies[0], separation);
    tf.dispose([result.states, result.weights]);
  }
  // softmax's conjugate is log-sum-exp: E(x) = ½‖x‖² − lse(β ξᵀx)/β, checked by hand on one state
  const x = [0.3, -0.2, 0.5, 0.1, 0];
  const rows = memories.arraySync() as number[][];
  const z = rows.map((xi) => 2 * oracle.dot(xi, x));
  const lse = Math.log(z.reduce((a, v) => a + Math.exp(v), 0));
  const state = tf.tensor2d([x]);
  const handEnergy = 0.5 * oracle.dot(x, x) - lse / 2;
  assert.ok(Math.abs(meanEnergy(space, state, tf.tensor2d([z]), spec) - handEnergy) < 1e-5);
  assert.equal(hasEnergy({ ...spec, separation: 'poly' }), false);
  const early = retrieve(memories, space, queries, { ...spec, steps: 50, tolerance: 1e-4 });
  assert.ok(early.steps! < 50, `tolerance stopped after ${early.steps} steps`);
  tf.dispose([early.states, early.weights]);
  space.dispose();
});

test('metastable counting on constructed weights; convergence shares', () => {
  const p = tf.tensor2d([
    [1, 0, 0, 0],
    [0.5, 0.5, 0, 0],
    [0.995, 0.005, 0, 0],
    [0.25, 0.25, 0.25, 0.25],
  ]);
  assert.deepEqual(Array.from(supportSizes(p, 0.01)), [1, 2, 1, 4]);
  assert.deepEqual(Array.from(supportSizes(p, 0)), [1, 2, 2, 4]);
  const histogram = supportHistogram(Int32Array.from([1, 2, 1, 4, 12]));
  assert.deepEqual(histogram.slice(0, 5), [0, 0.4, 0.2, 0, 0.2]);
  assert.equal(histogram[11], 0.2);
  const memories = tf.tensor2d([[1, 0], [0, 1]]);
  const states = tf.tensor2d([[1, 0.0001], [0.7, 0.7], [0, 1]]);
  assert.deepEqual(convergence(states, memories, Int32Array.from([0, 0, 0]), 1e-3), { target: 1 / 3, other: 1 / 3, none: 1 / 3 });
});

test('convergence at the radius does not depend on float32 cancellation (MNIST-sized memories)', () => {
  // states at 0.9 and 1.1 radii from 784-d memories of norm ~10: the threshold radius²‖ξ‖² is 1e-6‖ξ‖²,
  // the size of the rounding of ‖x‖² + ‖ξ‖² − 2⟨x, ξ⟩, so only a direct difference classifies them all
  const dim = 784;
  const count = 40;
  const rng = rngFor('convergence-radius-test');
  const memoryValues = normalArray(rng, count * dim).map((v) => 0.35 * v);
  const states: number[] = [];
  for (let q = 0; q < count; q++) {
    const memory = memoryValues.slice(q * dim, (q + 1) * dim);
    const norm = Math.hypot(...memory);
    const direction = normalArray(rng, dim);
    const directionNorm = Math.hypot(...direction);
    const factor = (q % 2 === 0 ? 0.9 : 1.1) * 1e-3 * norm;
    states.push(...memory.map((v, k) => v + (factor * direction[k]) / directionNorm));
  }
  const result = convergence(tf.tensor2d(states, [count, dim]), tf.tensor2d(memoryValues, [count, dim]), Int32Array.from({ length: count }, (_, q) => q), 1e-3);
  assert.deepEqual(result, { target: 0.5, other: 0, none: 0.5 });
});

test('Δ_min of nearly parallel rows is exact to float64 rounding (closest pair recomputed directly)', () => {
  const a = [3, 4, 12];
  const b = [3, 4, 12.01];
  const rows = tf.tensor2d([a, b, [-1, 0, 0]]);
  const cos = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (Math.hypot(...a) * Math.hypot(...b));
  // float32 inputs: compare with the cosine of the float32-rounded rows
  const delta = pairGeometry(rows).deltaMin;
  const b32 = Array.from(Float32Array.from(b));
  const cos32 = (a[0] * b32[0] + a[1] * b32[1] + a[2] * b32[2]) / (Math.hypot(...a) * Math.hypot(...b32));
  assert.ok(Math.abs(delta - (1 - cos32)) < 1e-12 * Math.max(1, 1 - cos32) + 1e-15, `${delta} vs ${1 - cos32} (float64 ${1 - cos})`);
  rows.dispose();
});

test('spherical-code bounds reduce to 2/(3M) and 4/√M for d = 3; the Tammes optimum lies between them', () => {
  for (const M of [4, 12, 24, 50, 130]) {
    assert.ok(Math.abs(separationLowerBound(M, 3) - 2 / (3 * M)) < 1e-12);
    assert.ok(Math.abs(separationUpperBound(M, 3) - 4 / Math.sqrt(M)) < 1e-12);
    const optimum = tammesSeparation(M)!;
    assert.ok(separationLowerBound(M, 3) < optimum && optimum < separationUpperBound(M, 3));
  }
  assert.ok(Math.abs(tammesSeparation(4)! - 4 / 3) < 1e-6, 'tetrahedron: cos = −1/3');
  assert.ok(Math.abs(tammesSeparation(6)! - 1) < 1e-9, 'octahedron: 90°');
  assert.equal(tammesSeparation(51), null);
  assert.ok(separationLowerBound(100, 20) < separationUpperBound(100, 20));
});

test('U-Hop+ raises Δ_min of a small random set (projected Adam, smooth-max); Kaiming init and bias', () => {
  const pool = spherePool({ dim: 16, count: 12, seed: 2 });
  const x = tf.tensor2d(pool.images, [12, 16]);
  const init = initialWeightsT(16, 3, { init: 'kaiming-normal', initStd: 1, bias: false }, rngFor('uhop-plus-train'));
  const std = Math.sqrt(init.reduce((a, v) => a + v * v, 0) / init.length);
  assert.ok(Math.abs(std - Math.sqrt(2 / 16)) < 0.1, `kaiming std ${std}`);
  const w0 = tf.tensor2d(init, [16, 3]);
  const before = pairGeometry(tf.matMul(x, w0) as tf.Tensor2D).deltaMin;
  const result = trainFeatureMap(x, w0, {
    loss: 'uhop-plus', lossForm: 'smooth-max', tau: 0.05, epochs: 300, lr: 0.02, lrSchedule: 'constant', optimizer: 'adam',
    project: true, batchSize: null, plateau: { patience: 50, minDelta: 0 }, bias: false,
  });
  const after = pairGeometry(tf.matMul(x, result.weightsT) as tf.Tensor2D).deltaMin;
  assert.ok(after > before + 0.05, `Δ_min ${before} → ${after}`);
  const rowNorms = tf.sqrt(tf.sum(tf.square(result.weightsT), 0)).dataSync();
  assertClose(rowNorms, [1, 1, 1], 1e-5, 'projected rows of W');
  const withBias = initialWeightsT(16, 3, { init: 'normal', initStd: 1, bias: true }, rngFor('bias'));
  assert.equal(withBias.length, 17 * 3);
  assert.ok(withBias.slice(16 * 3).every((b) => Math.abs(b) <= 1 / 4), 'b_0 ~ U(±1/√d)');
});

test('W₀ is drawn in W’s row-major order and laid out as Wᵀ, whatever the tiling of the transpose', () => {
  const [featureDim, inputDim] = [37, 70]; // not multiples of the 32-wide tiles
  const w = normalArray(rngFor('layout'), featureDim * inputDim, 0.5);
  const wT = initialWeightsT(inputDim, featureDim, { init: 'normal', initStd: 0.5, bias: false }, rngFor('layout'));
  for (let row = 0; row < featureDim; row++) {
    for (let col = 0; col < inputDim; col++) assert.equal(wT[col * featureDim + row], w[row * inputDim + col]);
  }
  const out = new Float32Array(6);
  transposeInto(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3, out);
  assert.deepEqual(Array.from(out), [1, 4, 2, 5, 3, 6]);
});
