/** The public API (src/index.ts, `import … from 'uhop'`): plain arrays in and out, the same numbers as the runs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as uhop from '../src/index.ts';
import { loadConfig as loadConfigFile } from '../src/config/load.ts';
import { separationNames, similarityNames } from '../src/config/schema.ts';
import { separations as internalSeparations } from '../src/hopfield/separations.ts';
import { runStageOne } from '../src/experiments/stageOne.ts';
import { separationLowerBound } from '../src/metrics/sphericalCode.ts';
import { assertClose } from './helpers.ts';
import * as oracle from './oracle.ts';

const work = mkdtempSync(join(tmpdir(), 'uhop-api-'));
const { separations, similarities } = uhop;

test('separations: every config name, callable on one row, with the batched form of the runs', () => {
  assert.deepEqual(Object.keys(separations).sort(), [...separationNames].sort());
  assert.deepEqual(separations.sparsemax(Float32Array.from([-2, 0, 0.5])), [0, 0.25, 0.75]);
  const z = [0.3, -1.2, 2, 0.9, 1.7];
  assertClose(separations.softmax(z), oracle.softmax(z), 1e-6, 'softmax');
  assertClose(separations.sparsemax(z), oracle.sparsemax(z), 1e-6, 'sparsemax');
  assertClose(separations.entmax15(z), oracle.entmax15(z), 1e-6, 'entmax15');
  assertClose(separations.entmax(z, { alpha: 1.5 }), oracle.entmax15(z), 1e-5, 'entmax α = 1.5');
  assertClose(separations.poly([2, -1, 0.5]), [1024, 1, 0.5 ** 10], 1e-6, 'poly, default degree 10');
  assertClose(separations.poly([2, 3], { degree: 2 }), [4, 9], 1e-6, 'poly degree 2');
  for (const name of separationNames) assert.equal(separations[name].batched, internalSeparations[name]);
  const rows = tf.tensor2d([z, z.map((v) => -v)]);
  const batched = separations.sparsemax.batched(rows, { degree: 10 });
  assertClose(batched.dataSync().slice(0, 5), separations.sparsemax(z), 0, 'row form = first row of the batched form');
  tf.dispose([rows, batched]);
  assert.throws(() => separations.softmax([]), uhop.UserError);
});

test('similarities: one query against memory rows; l1/l2 are −distance unless distanceSign says otherwise', () => {
  assert.deepEqual(Object.keys(similarities).sort(), [...similarityNames].sort());
  const memories = [[1, 0, 0], [0, 2, 0], [1, 1, 1]];
  const query = Float32Array.from([1, 2, 0]);
  assertClose(similarities.dot(query, memories), [1, 4, 3], 1e-6, 'dot');
  assertClose(similarities.cosine(query, memories), [1 / Math.sqrt(5), 2 / Math.sqrt(5), 3 / Math.sqrt(15)], 1e-6, 'cosine');
  assertClose(similarities.l1(query, memories), [-2, -1, -2], 1e-6, 'l1');
  assertClose(similarities.l2(query, memories, { distanceSign: 'positive' }), [2, 1, Math.sqrt(2)], 1e-5, 'l2');
  assert.throws(() => similarities.dot([1, 2], memories), /memories: row 0 has 3 values, expected 2/);
});

test('loadConfig: a file or an object, with set overrides, resolved as the CLI resolves it; errors carry the zod issues', () => {
  const set = ['seeds=1', 'memories=[10]'];
  const fromFile = uhop.loadConfig('configs/mnist.json', { set });
  assert.deepEqual(fromFile, loadConfigFile('configs/mnist.json', set));
  const raw = JSON.parse(readFileSync('configs/mnist.json', 'utf8'));
  assert.deepEqual(uhop.loadConfig(raw, { set }), fromFile);
  assert.deepEqual(raw.memories, [10, 20, 50, 100, 200, 500], 'the object is not modified');
  assert.equal(uhop.loadConfig({ name: 'tiny', memories: [4], models: [{ name: 'MHN' }] }).featureMap.trainOn, 'all', 'textbook defaults');
  try {
    uhop.loadConfig(raw, { set: ['retrieval.steps=0', 'featureMap.epoch=3'] });
    assert.fail('should throw');
  } catch (error) {
    assert.ok(error instanceof uhop.UserError);
    assert.equal(error.exitCode, 2);
    assert.deepEqual(error.issues.map((issue) => issue.path.join('.')).sort(), ['featureMap', 'retrieval.steps']);
    assert.match(error.message, /retrieval\.steps/);
  }
  assert.throws(() => uhop.loadConfig(join(work, 'missing.json')), (e: unknown) => e instanceof uhop.UserError && e.issues.length === 0);
});

test('retrieve: one step is Ξᵀ Sep(β Ξ q) on plain rows, in pixel space or through a given Φ', () => {
  const memories = [[1, 0], [0, 1], [0.6, 0.8]];
  const queries = [[0.9, 0.2], [0.1, 0.7]];
  const beta = 3;
  const result = uhop.retrieve(memories, queries, { beta });
  assert.equal(result.steps, 1);
  queries.forEach((q, r) => {
    const p = oracle.softmax(memories.map((m) => beta * oracle.dot(m, q)));
    assertClose(result.weights[r], p, 1e-6, `p of query ${r}`);
    assertClose(result.states[r], [0, 1].map((i) => p.reduce((s, w, mu) => s + w * memories[mu][i], 0)), 1e-6, `x of query ${r}`);
  });
  // Φ(x) = 2x: the scores, so β, double; the output stays a mix of the raw memories
  const doubled = uhop.retrieve(memories, queries, { featureMap: { weightsT: [[2, 0], [0, 2]], bias: null }, beta: beta / 4 });
  const quarter = uhop.retrieve(memories, queries, { beta });
  assertClose(doubled.weights.flat(), quarter.weights.flat(), 1e-6, 'β/4 on Φ = 2x equals β on x');
  const sparse = uhop.retrieve(memories, queries, { separation: 'sparsemax', beta: 10, steps: 5, tolerance: 1e-6 });
  assert.ok(sparse.steps < 5, 'tolerance stops early');
  assert.deepEqual(sparse.states[0], [1, 0], 'sparsemax converges exactly onto a memory');
  assert.throws(() => uhop.retrieve(memories, queries, { separation: 'softmax', degree: 3 }), (e: unknown) => e instanceof uhop.UserError && e.issues[0].path[0] === 'degree');
  assert.throws(() => uhop.retrieve(memories, queries, { steps: 1, betaa: 2 } as never), /Unrecognized key/);
  assert.throws(() => uhop.retrieve(memories, [[1, 2, 3]]), /queries: row 0 has 3 values, expected 2/);
  assert.throws(() => uhop.retrieve(memories, queries, { featureMap: { weightsT: [[1, 0, 0]], bias: null } }), /featureMap\.weightsT has 1 rows/);
});

test('trainFeatureMap: the Stage I of a cell with the same seed and M (trainOn all), as plain rows', () => {
  const memories = Array.from({ length: 6 }, (_, i) => Array.from({ length: 5 }, (_, k) => Math.sin(1 + i * 5 + k) ** 2));
  const trained = uhop.trainFeatureMap(memories, { epochs: 8, seed: 4 });
  assert.equal(trained.losses.length, 8);
  assert.ok(trained.lossAfter < trained.losses[0], 'the separation loss falls');
  assert.equal(trained.featureMap.weightsT.length, 5);
  assert.equal(trained.featureMap.bias, null);
  const config = uhop.loadConfig({ name: 'stage', memories: [6], models: [{ name: 'U-Hop', featureMap: true }], featureMap: { epochs: 8 } });
  const input = tf.tensor2d(memories);
  const stage = runStageOne(config, input, 5, { memories: 6, seed: 4 });
  const features = memories.map((x) => trained.featureMap.weightsT[0].map((_, j) => x.reduce((s, v, i) => s + v * (trained.featureMap.weightsT[i][j] as number), 0)));
  assertClose(features.flat(), stage.space.memories.rows.dataSync(), 1e-4, 'Φ(Ξ) of the cell');
  stage.dispose();
  input.dispose();
  const withBias = uhop.trainFeatureMap(memories, { epochs: 2, bias: true, dim: 3, loss: 'average' });
  assert.equal(withBias.featureMap.bias?.length, 3);
  assert.equal(withBias.featureMap.weightsT[0].length, 3);
  assert.throws(() => uhop.trainFeatureMap(memories, { epochs: -1 }), (e: unknown) => e instanceof uhop.UserError && /featureMap\.epochs/.test(e.message));
  assert.throws(() => uhop.trainFeatureMap(memories, { trainOn: 'all' } as never), /trainOn is not used/);
  assert.throws(() => uhop.trainFeatureMap([memories[0]]), /at least 2 memories/);
});

test('metrics on plain arrays: error, success, metastable histogram, Δ_min, spherical-code bounds', () => {
  // clamp: target (0, .5, 1, 1), output (0, 1, .25, 1) → 0 + .25 + .5625 + 0
  assertClose(uhop.retrievalError([[0, 0.5, 1, 2]], [[-1, 1, 0.25, 3]]), [0.8125], 1e-6, 'clamped');
  assertClose(uhop.retrievalError([[0, 2]], [[1, 0]], { clamp: false }), [5], 1e-6, 'unclamped');
  assert.equal(uhop.successRate([0.5, 1, 2]), 2 / 3);
  assert.equal(uhop.successRate([0.5, 1, 2], 0.5), 1 / 3);
  const histogram = uhop.metastableHistogram([[1, 0, 0], [0.5, 0.5, 0], [0.4, 0.3, 0.3], [0.995, 0.005, 0]], 0.01);
  assert.deepEqual(histogram.slice(0, 4), [0, 0.5, 0.25, 0.25]);
  assert.equal(histogram.length, 12);
  const geometry = uhop.deltaMin([[1, 0], [0, 1], [1, 1]]);
  assertClose([geometry.deltaMin, geometry.meanCosine], [1 - Math.SQRT1_2, (2 * Math.SQRT1_2) / 3], 1e-6, 'Δ_min, mean cos');
  assert.equal(uhop.separationLowerBound(50, 3), separationLowerBound(50, 3));
  assertClose([uhop.separationLowerBound(30, 3), uhop.separationUpperBound(16, 3)], [2 / 90, 1], 1e-12, 'd = 3 closed forms');
  assertClose([uhop.tammesSeparation(4)!], [1 + 1 / 3], 1e-6, 'tetrahedron');
  assert.throws(() => uhop.retrievalError([[1, 2]], [[1, 2], [3, 4]]), /1 targets but 2 outputs/);
});

test('runExperiment: the files of uhop run, progress events, and a second call that reuses every cell', async () => {
  const config = uhop.loadConfig('configs/mnist.json', { set: ['seeds=1', 'memories=[6,8]', 'featureMap.epochs=3'] });
  const out = join(work, 'run');
  const events: uhop.ProgressEvent[] = [];
  const first = await uhop.runExperiment(config, { out, workers: 1, quiet: true, onProgress: (event) => events.push(event) });
  assert.equal(first.folder, out);
  assert.equal(first.records.length, 2 * config.models.length);
  assert.deepEqual(first.failed, []);
  for (const file of ['cells.csv', 'summary.csv', 'report.md', 'manifest.json']) assert.ok(existsSync(join(out, file)), file);
  assert.deepEqual(events.map((e) => e.kind), ['plan', 'start', 'done', 'start', 'done']);
  assert.deepEqual(events[0], { kind: 'plan', cells: 2, cached: 0, toRun: 2, workers: 1, backend: first.manifest.backend.label });
  const again: uhop.ProgressEvent[] = [];
  const second = await uhop.runExperiment(config, { out, quiet: true, onProgress: (event) => again.push(event) });
  assert.deepEqual(again.map((e) => e.kind === 'plan' && e.cached), [2]);
  assert.deepEqual(second.records, first.records);
  await assert.rejects(uhop.runExperiment(config, { out, workers: 0 }), /workers must be a positive integer/);
  await assert.rejects(uhop.runExperiment(config, {} as never), /options\.out/);
});

const built = existsSync('dist/index.js') && existsSync('dist/index.d.ts');

test('the examples run on the public API (through the package name, from dist/)', { skip: !built && 'dist/ not built' }, () => {
  const run = (args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8' });
  const compare = run(['examples/compare-separations.mjs', '24', '8']);
  assert.equal(compare.status, 0, compare.stderr);
  assert.match(compare.stdout, /sparsemax of \(-2, 0, 0\.5\): 0, 0\.25, 0\.75/);
  assert.match(compare.stdout, /^Φ\s+sparsemax\s+\d/m);
  const schedule = run(['examples/beta-schedule.mjs', join(work, 'schedule'), '6,10']);
  assert.equal(schedule.status, 0, schedule.stderr);
  assert.match(schedule.stdout, /^\s+10\s+\d\.\d\d \(/m);
  assert.ok(existsSync(join(work, 'schedule', 'M10', 'cells.csv')));
  for (const example of ['examples/compare-separations.mjs', 'examples/beta-schedule.mjs']) {
    const imports = [...readFileSync(example, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    assert.ok(imports.every((name) => name === 'uhop' || name.startsWith('node:')), `${example} imports only uhop: ${imports}`);
  }
});
