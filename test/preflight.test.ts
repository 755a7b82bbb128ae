import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../src/config/load.ts';
import { resolveConfig } from '../src/config/parity.ts';
import { poolShape } from '../src/data/poolSize.ts';
import { cellBytes, preflightProblems } from '../src/runs/preflight.ts';
import { systemError } from '../src/cli/systemErrors.ts';

const config = (extra: Record<string, unknown>) =>
  resolveConfig(validateConfig({ name: 'p', memories: [10], models: [{ name: 'MHN' }, { name: 'U', featureMap: true }], ...extra }, 'test'));

const GiB = 2 ** 30;

test('pool sizes are known without loading: M beyond the pool, indices outside it, too few images left for queries', () => {
  assert.deepEqual(poolShape(config({}).dataset), { count: 10_000, dim: 784, testCount: null });
  assert.deepEqual(poolShape(config({ dataset: { name: 'cifar10', split: 'test', grayscale: true } }).dataset), { count: 10_000, dim: 1024, testCount: 10_000 });
  assert.deepEqual(poolShape(config({ dataset: { name: 'fashion-mnist' } }).dataset), { count: 60_000, dim: 784, testCount: 10_000 });
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ memories: [10, 10_001] }, /^memories: M = 10001 exceeds the 10,000 images of mnist$/],
    [{ memories: [50_001], dataset: { name: 'cifar10' } }, /^memories: M = 50001 exceeds the 50,000 train images of cifar10$/],
    [{ memories: [200], dataset: { name: 'synthetic-sphere', count: 100 } }, /M = 200 exceeds the 100 points of synthetic-sphere \(dataset\.count\)/],
    [{ dataset: { name: 'mnist', indices: [1, 2, 3] } }, /dataset\.indices has 3 entries, but memories asks for M = 10/],
    [{ memories: [2], dataset: { name: 'mnist', indices: [1, 10_000] } }, /dataset\.indices: 10000 is outside the 10,000 images of mnist/],
    [{ memories: [2], dataset: { name: 'mnist', indices: [4, 4] } }, /dataset\.indices: the memories must be distinct/],
    [{ memories: [6_000], queries: { from: 'pool' } }, /queries\.from "pool": M = 6000 memories and as many other images as queries need 12000 images/],
    [{ memories: [9_500], queries: { from: 'pool', count: 1000 } }, /queries\.count: 1000 queries besides M = 9500 memories need 10500 images/],
    [{ dataset: { name: 'mnist-full' }, queries: { from: 'test', count: 10_001 } }, /queries\.count: 10001 exceeds the 10,000 test images of mnist-full/],
    [{ dataset: { name: 'mnist-full', queryIndices: [10_000] }, queries: { from: 'test' } }, /dataset\.queryIndices: 10000 is outside the 10,000 test images/],
    [{ memories: [2], dataset: { name: 'mnist', indices: [1, 2], queryIndices: [3] } }, /dataset\.queryIndices: 3 is not among the first M = 2 dataset\.indices/],
    [{ memories: [3], parity: 'official' }, /memories: M = 3 with featureMap\.trainOn "first-half" trains Stage I on 1 memories/],
  ];
  for (const [extra, message] of cases) {
    const problems = preflightProblems(config(extra), 64 * GiB);
    assert.ok(problems.some((p) => message.test(p)), `${JSON.stringify(extra)}: ${problems.join(' | ')}`);
  }
  assert.deepEqual(preflightProblems(config({ memories: [5_000], queries: { from: 'pool' } }), 64 * GiB), []);
  assert.deepEqual(preflightProblems(config({ memories: [10_000] }), 64 * GiB), []);
});

test('memory a cell needs, against the machine: the bytes, by hand', () => {
  const small = config({ featureMap: { dim: 5 } });
  // float32: pool 10,000 × 784; memories + queries 2 × 20 × 784; scores 10 × 10; W₀ and W 2 × 785 × 5, features 20 × 5, Gram 10 × 10
  const expected = 4 * (10_000 * 784 + 2 * 20 * 784 + 100 + 2 * 785 * 5 + 20 * 5 + 100);
  assert.equal(cellBytes(small, 10, 5, poolShape(small.dataset)), expected);
  assert.deepEqual(preflightProblems(small, expected), []);
  const [problem] = preflightProblems(small, expected - 1);
  assert.match(problem, /^featureMap\.dim: D_Φ = 5 with M = 10: a cell needs at least 30\.1 MiB .*this machine has 30\.1 MiB/);
  const huge = config({ featureMap: { dim: [8, 1e9] } });
  assert.match(preflightProblems(huge, 64 * GiB)[0], /^featureMap\.dim: D_Φ = 1000000000 with M = 10: a cell needs at least 5923\.\d GiB/);
  const points = config({ dataset: { name: 'synthetic-sphere', dim: 64, count: 1e8 } });
  assert.match(preflightProblems(points, 64 * GiB)[0], /^dataset\.count: 100,000,000 points × d = 64 are 6\.40e\+9 float32 values \(23\.8 GiB\); one array holds at most 2\^32 values/);
  const fits = config({ dataset: { name: 'synthetic-sphere', dim: 64, count: 1e7 } });
  assert.match(preflightProblems(fits, 1 * GiB)[0], /^dataset\.count: .*\(2\.4 GiB\); this machine has 1\.0 GiB/);
  assert.deepEqual(preflightProblems(fits, 64 * GiB), []);
});

test('machine failures become messages with advice (exit 2); other errors stay bugs', () => {
  const full = systemError(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/r/cells/x.json' }));
  assert.match(full!.message, /^the disk is full \(ENOSPC\) \(\/r\/cells\/x\.json\): free space on that disk and run the same command again/);
  assert.equal(full!.exitCode, 2);
  assert.match(systemError(Object.assign(new Error('EACCES'), { code: 'EACCES', path: '/r' }))!.message, /no permission to write \(\/r\)/);
  assert.match(systemError(new RangeError('Array buffer allocation failed'))!.message, /^out of memory .*lower memories, featureMap\.dim, dataset\.count or --workers/);
  assert.equal(systemError(new TypeError('x is undefined')), null);
  assert.equal(systemError(new RangeError('Maximum call stack size exceeded')), null);
});
