import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { stageIObjective, type LossOptions, type SeparationLossName } from '../src/featuremap/losses.ts';
import { tiledObjective } from '../src/featuremap/tiledLoss.ts';
import { FULL_LOSS_LIMIT, trainFeatureMap, type StageIOptions } from '../src/featuremap/train.ts';
import { fusedMaxLossApplies } from '../src/featuremap/solverChoice.ts';
import { normalArray, rngFor } from '../src/random/prng.ts';
import { backend, assertClose } from './helpers.ts';
import * as oracle from './oracle.ts';

before(backend);

const lossForms: Array<{ label: string; loss: SeparationLossName; options: LossOptions }> = [
  { label: 'max', loss: 'max', options: { tau: 0.1, lossForm: 'coded' } },
  { label: 'average', loss: 'average', options: { tau: 0.1, lossForm: 'coded' } },
  { label: 'uhop-plus coded', loss: 'uhop-plus', options: { tau: 0.1, lossForm: 'coded' } },
  { label: 'uhop-plus smooth-max', loss: 'uhop-plus', options: { tau: 0.1, lossForm: 'smooth-max' } },
];

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let k = 0; k < values.length; k++) max = Math.max(max, Math.abs(values[k]));
  return max;
}

function randomMatrix(name: string, rows: number, cols: number): tf.Tensor2D {
  return tf.tensor2d(normalArray(rngFor('tiled-loss-test', name, rows, cols), rows * cols), [rows, cols]);
}

test('tiled objectives equal the full ones, value and gradient, for every loss (uneven tiles, a one-row last block)', () => {
  // 37 rows in blocks of 4: nine blocks and a last one of a single row (its diagonal tile has no pair)
  const [n, d, D] = [37, 5, 4];
  const x = randomMatrix('x', n, d);
  const w = tf.variable(randomMatrix('w', d, D));
  for (const { label, loss, options } of lossForms) {
    const full = stageIObjective(loss, x, options);
    const { value, grads } = tf.variableGrads(() => full.apply(w), [w]);
    const tiled = tiledObjective(loss, x, options, 4 * n);
    assert.ok(Math.abs(tiled.value(w) - value.dataSync()[0]) < 1e-6, `${label} value: ${tiled.value(w)} vs ${value.dataSync()[0]}`);
    const scaled = tiled.valueAndGradient(w, 0.5);
    assert.ok(Math.abs(scaled.value - value.dataSync()[0]) < 1e-6, `${label} value with the gradient`);
    const expected = Array.from(grads[w.name].dataSync(), (g) => 0.5 * g);
    assertClose(scaled.gradient.dataSync(), expected, 1e-5 * maxAbs(expected), `${label} gradient`);
    tf.dispose([value, grads[w.name], scaled.gradient]);
    tiled.dispose();
    full.dispose();
  }
  tf.dispose([x, w]);
});

const trainers: Array<{ label: string; options: Pick<StageIOptions, 'optimizer' | 'project' | 'lr'>; minibatch: boolean }> = [];
for (const optimizer of ['sgd', 'adam'] as const) {
  for (const project of [false, true]) {
    for (const minibatch of [false, true]) {
      trainers.push({ label: `${optimizer}${project ? ' projected' : ''}${minibatch ? ' minibatches' : ''}`, options: { optimizer, project, lr: optimizer === 'sgd' ? 0.05 : 0.002 }, minibatch });
    }
  }
}

function stageOptions(loss: SeparationLossName, lossOptions: LossOptions, trainer: (typeof trainers)[number], batchSize: number, epochs: number): StageIOptions {
  return {
    ...lossOptions,
    ...trainer.options,
    loss,
    epochs,
    lrSchedule: 'constant',
    batchSize: trainer.minibatch ? batchSize : null,
    plateau: null,
    bias: false,
    rng: rngFor('tiled-loss-test', 'batches'),
  };
}

test('Stage I in tiles trains as Stage I on the full objective: every loss × optimiser × projection × minibatches', () => {
  const [n, d, D] = [40, 6, 5];
  const x = randomMatrix('train-x', n, d);
  const w0 = randomMatrix('train-w', d, D);
  for (const { label, loss, options } of lossForms) {
    for (const trainer of trainers) {
      const full = trainFeatureMap(x, w0, { ...stageOptions(loss, options, trainer, 16, 4), solver: 'tensor' });
      const tiled = trainFeatureMap(x, w0, { ...stageOptions(loss, options, trainer, 16, 4), solver: 'tiled', tileEntries: 7 * n });
      const what = `${label}, ${trainer.label}`;
      assertClose(tiled.losses, full.losses, 1e-5, `${what}: losses`);
      assert.ok(Math.abs(tiled.lossAfter - full.lossAfter) < 1e-5, `${what}: final loss ${tiled.lossAfter} vs ${full.lossAfter}`);
      const weights = full.weightsT.dataSync();
      assertClose(tiled.weightsT.dataSync(), weights, 1e-4 * maxAbs(weights), `${what}: weights`);
      tf.dispose([full.weightsT, tiled.weightsT]);
    }
  }
  tf.dispose([x, w0]);
});

test(`Stage I beyond ${FULL_LOSS_LIMIT} training memories: every loss × optimiser × projection × minibatches trains, and the final loss is the loss over all pairs`, () => {
  // just above the limit: full batches (and the first minibatch) go in tiles, the max loss with
  // plain full-batch SGD through the float64 path
  const [n, d, D] = [FULL_LOSS_LIMIT + 4, 8, 8];
  const x = randomMatrix('large-x', n, d);
  const w0 = randomMatrix('large-w', d, D);
  const lossesAt = (weightsT: tf.Tensor2D) => {
    const features = tf.matMul(x, weightsT);
    const values = oracle.pairLosses(features.dataSync(), n, D, 0.1);
    features.dispose();
    return values;
  };
  const pick = (values: ReturnType<typeof oracle.pairLosses>, loss: SeparationLossName, options: LossOptions) =>
    loss === 'uhop-plus' ? (options.lossForm === 'coded' ? values.coded : values.smoothMax) : values[loss];
  const close = (a: number, b: number) => Math.abs(a - b) < 1e-5 * Math.max(1, Math.abs(b));
  const initial = lossesAt(w0);
  for (const { label, loss, options } of lossForms) {
    const before = pick(initial, loss, options);
    for (const trainer of trainers) {
      const what = `${label}, ${trainer.label}`;
      const result = trainFeatureMap(x, w0, stageOptions(loss, options, trainer, FULL_LOSS_LIMIT + 1, 1));
      assert.equal(result.losses.length, 1, what);
      assert.ok(Number.isFinite(result.losses[0]) && Number.isFinite(result.lossAfter), `${what}: finite losses`);
      if (!trainer.minibatch) assert.ok(close(result.losses[0], before), `${what}: first loss ${result.losses[0]} vs all pairs ${before}`);
      assert.ok(result.lossAfter < before, `${what}: loss ${before} → ${result.lossAfter}`);
      // the final loss is over all pairs (it was the mean over chunks of 4096 rows); one oracle per loss is enough
      if (trainer === trainers[trainers.length - 1]) {
        const after = pick(lossesAt(result.weightsT), loss, options);
        assert.ok(close(result.lossAfter, after), `${what}: final loss ${result.lossAfter} vs all pairs ${after}`);
      }
      result.weightsT.dispose();
    }
  }
  tf.dispose([x, w0]);
});

test('the float64 max-loss path is taken while its two n × n float64 matrices fit 2 GiB, the tiles beyond', () => {
  const options = { loss: 'max', optimizer: 'sgd', project: false, batchSize: null } as const;
  assert.ok(fusedMaxLossApplies(FULL_LOSS_LIMIT + 1, options));
  assert.ok(fusedMaxLossApplies(11585, options));
  assert.ok(!fusedMaxLossApplies(11586, options));
  assert.ok(!fusedMaxLossApplies(100, { ...options, solver: 'tiled' }));
});
