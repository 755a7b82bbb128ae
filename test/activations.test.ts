import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../src/config/load.ts';
import { resolveConfig } from '../src/config/parity.ts';
import { runCell } from '../src/experiments/cell.ts';
import { loadPool } from '../src/data/registry.ts';
import { backend } from './helpers.ts';

before(backend);

const base = { name: 'activations', memories: [12], seeds: [2] };

test('topk needs topK, random-mask needs maskP, maskedScores only with them; parity sets maskedScores where it is used', () => {
  const bad: Array<[unknown[], RegExp]> = [
    [[{ name: 'a', separation: 'topk' }], /models\.0\.topK: separation "topk" needs topK/],
    [[{ name: 'a', topK: 0.2 }], /models\.0\.topK: /],
    [[{ name: 'a', separation: 'topk', topK: 0 }], /models\.0\.topK/],
    [[{ name: 'a', separation: 'random-mask' }], /models\.0\.maskP: separation "random-mask" needs maskP/],
    [[{ name: 'a', separation: 'random-mask', maskP: 1 }], /models\.0\.maskP/],
    [[{ name: 'a', maskedScores: 'zero' }], /models\.0\.maskedScores: maskedScores is only used with separation "topk" or "random-mask"/],
  ];
  for (const [models, message] of bad) assert.throws(() => validateConfig({ ...base, models }, 'c'), message, JSON.stringify(models));
  const models = [{ name: 'top', separation: 'topk', topK: 0.5 }, { name: 'mask', separation: 'random-mask', maskP: 0.2, maskedScores: 'excluded' }, { name: 'plain' }];
  const official = resolveConfig(validateConfig({ ...base, parity: 'official', models }, 'c'));
  assert.deepEqual(official.models.map((m) => m.maskedScores), ['zero', 'excluded', undefined], 'explicit wins; other models stay as written');
  assert.ok(!('maskedScores' in official.models[2]));
  const textbook = resolveConfig(validateConfig({ ...base, models }, 'c'));
  assert.equal(textbook.models[0].maskedScores, 'excluded');
});

test('in a cell: topK 1 and maskP 0 are softmax; random masks are seeded (same config, same records) and labelled', async () => {
  const label = await backend();
  const config = resolveConfig(
    validateConfig(
      {
        ...base,
        parity: 'official',
        retrieval: { betaPlacement: 'logits', beta: 0.05 },
        models: [
          { name: 'softmax' },
          { name: 'top all (zero)', separation: 'topk', topK: 1, maskedScores: 'zero' },
          { name: 'top all (excluded)', separation: 'topk', topK: 1, maskedScores: 'excluded' },
          { name: 'no mask', separation: 'random-mask', maskP: 0 },
          { name: 'top half', separation: 'topk', topK: 0.5 },
          { name: 'random50', separation: 'random-mask', maskP: 0.5 },
          { name: 'softmax1', separation: 'softmax1' },
        ],
      },
      'c',
    ),
  );
  const pool = loadPool(config.dataset);
  const run = async () => Object.fromEntries((await runCell(config, pool, { memories: 12, seed: 2 }, label)).records.map((r) => [r.model, r]));
  const by = await run();
  for (const name of ['top all (zero)', 'top all (excluded)', 'no mask']) assert.equal(by[name].error, by.softmax.error, name);
  assert.notEqual(by['top half'].error, by.softmax.error, 'at β = 0.05 keeping half the scores matters');
  assert.notEqual(by.random50.error, by.softmax.error);
  assert.ok(by.softmax1.error !== by.softmax.error && Math.abs(by.softmax1.error - by.softmax.error) < 1, 'the extra zero logit moves p a little');
  assert.deepEqual((await run()).random50, by.random50, 'same config and seed: same masks');
  assert.deepEqual(['topk-0.5', 'random-mask-0.5', 'softmax1'], [by['top half'].separation, by.random50.separation, by.softmax1.separation]);
});
