/** Sweep axes: any config field as a grid axis — validation, cell configs and keys, columns, figures, shards and merge. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../src/config/load.ts';
import { cellConfig } from '../src/config/sweep.ts';
import { expandCells } from '../src/runs/grid.ts';
import { canonicalJson, cellSettings } from '../src/runs/cellKey.ts';

const work = mkdtempSync(join(tmpdir(), 'uhop-sweep-axes-'));

function uhop(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/uhop', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const failure = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
};

test('each swept value is checked as if set in the config, with its path; paths outside the schema and grid fields are refused', () => {
  const message = failure(() =>
    loadConfig('configs/mnist.json', ['models.2.similarity="dot"'], { sweeps: [
      'retrieval.beta=[0.5,-1,"x"]',
      'retrieval.bta=[1]',
      'models.9.beta=[1]',
      'memories=[10]',
      'featureMap=[{}]',
      'name=["a"]',
    ] }),
  );
  assert.match(message, /sweep\.retrieval\.beta\[1\] = -1: retrieval\.beta: Too small/);
  assert.match(message, /sweep\.retrieval\.beta\[2\] = "x": retrieval\.beta: Invalid input: expected number, received string/);
  assert.doesNotMatch(message, /retrieval\.beta\[0\]/, '0.5 is a good value');
  assert.match(message, /sweep\.retrieval\.bta\[0\] = 1: retrieval: Unrecognized key: "bta"/);
  assert.match(message, /sweep\.models\.9\.beta: models\.9 does not exist \(models has 7 entries/);
  assert.match(message, /sweep\.memories: memories is a grid axis already/);
  assert.match(message, /sweep\.featureMap: featureMap holds featureMap\.dim, a grid axis/);
  assert.match(message, /sweep\.name: name does not change a cell's numbers/);
  assert.match(failure(() => loadConfig('configs/mnist.json', [], { sweeps: ['retrieval.beta=0.5'] })), /--sweep retrieval\.beta: expects a JSON list/);
  // parity fills other switches' defaults: a sweep of it would silently keep the base config's
  assert.match(failure(() => loadConfig('configs/mnist.json', [], { sweeps: ['parity=["official","textbook"]'] })), /parity fills the defaults of .*retrieval\.betaPlacement/);
  // model fields too; values valid alone but not with the model's separation are refused
  assert.match(failure(() => loadConfig('configs/mnist.json', [], { sweeps: ['models.2.alpha=[1.5]'] })), /models\.2\.alpha: separation "entmax" needs alpha/);
  const entmax = loadConfig('configs/mnist.json', ['models.2={"name":"entmax","separation":"entmax","alpha":1.5}'], { sweeps: ['models.2.alpha=[1.2,1.8]'] });
  assert.deepEqual(expandCells(entmax).filter((c) => c.memories === 10 && c.seed === 1).map((c) => c.sweep), [{ 'models.2.alpha': 1.2 }, { 'models.2.alpha': 1.8 }]);
});

test('seeds as a range "a..b"', () => {
  assert.deepEqual(loadConfig('configs/mnist.json', ['seeds="3..6"']).seeds, [3, 4, 5, 6]);
  assert.deepEqual(loadConfig('configs/mnist.json', ['seeds=1..2']).seeds, [1, 2]);
  assert.match(failure(() => loadConfig('configs/mnist.json', ['seeds="6..3"'])), /seeds: a seed range "a\.\.b" needs a ≤ b/);
});

test('the grid is the product of the sweep axes, memories, D_Φ and seeds; a cell config is the config with its values set', () => {
  const config = loadConfig('configs/mnist.json', ['memories=[20,50]', 'seeds="1..2"', 'sweep={"corruption.p":[0.3,0.6]}'], { sweeps: ['retrieval.beta=[0.5,1,2]'] });
  const cells = expandCells(config);
  assert.equal(cells.length, 2 * 3 * 2 * 2);
  assert.deepEqual(cells[0], { memories: 20, seed: 1, featureDim: null, sweep: { 'corruption.p': 0.3, 'retrieval.beta': 0.5 } });
  const one = cellConfig(config, { 'corruption.p': 0.6, 'retrieval.beta': 2 });
  assert.equal(one.sweep, undefined);
  assert.equal(one.retrieval.beta, 2);
  assert.deepEqual(one.corruption, { type: 'dropout', p: 0.6, rescale: true });
  // the cell of a sweep and the same cell of a plain config have the same settings, hence the same key
  const plain = loadConfig('configs/mnist.json', ['memories=[20,50]', 'corruption.p=0.6', 'retrieval.beta=2', 'name=plain']);
  const cell = { memories: 20, seed: 2, featureDim: null };
  assert.equal(canonicalJson(cellSettings(one, cell)), canonicalJson(cellSettings(plain, cell)));
  // without a sweep the grid is as before sweeps existed (no sweep on the cells: same keys, same shards)
  assert.deepEqual(expandCells(plain)[0], { memories: 20, seed: 1, featureDim: null });
});

/** A small synthetic grid swept on two axes: 2 × 2 values × 1 M × 2 seeds = 8 cells of 50 queries. */
const swept = [
  'configs/metastable-synthetic.json',
  '--set', 'seeds="1..2"',
  '--set', 'queries.count=50',
  '--set', 'sweep={"featureMap.epochs":[5,20]}',
  '--sweep', 'retrieval.beta=[0.5,4]',
  '--workers', '1',
];

const csv = (file: string) => parse(readFileSync(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;

test('a run over two swept axes: one column per path in every table, a figure and a table per axis; a rerun computes nothing', () => {
  const dir = join(work, 'two-axes');
  const run = uhop('run', ...swept, '--out', dir);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /0 cached, 8 to run/);
  for (const file of ['cells.csv', 'summary.csv', 'paired.csv', 'timings.csv', 'trace.csv', 'metastable.csv']) {
    const header = Object.keys(csv(join(dir, file))[0]);
    assert.ok(header.includes('featureMap.epochs') && header.includes('retrieval.beta'), `${file}: ${header.join(',')}`);
  }
  const cells = csv(join(dir, 'cells.csv'));
  assert.equal(cells.length, 8 * 6);
  assert.deepEqual([...new Set(cells.map((r) => `${r['featureMap.epochs']}/${r['retrieval.beta']}`))].sort(), ['20/0.5', '20/4', '5/0.5', '5/4']);
  assert.equal(csv(join(dir, 'summary.csv')).length, 4 * 6, 'one summary row per model and setting');
  for (const name of ['error-vs-featureMap.epochs', 'error-vs-retrieval.beta', 'metastable-vs-retrieval.beta']) {
    assert.match(readFileSync(join(dir, `${name}.svg`), 'utf8'), /^<svg/, name);
    assert.ok(existsSync(join(dir, `${name}.png`)), name);
  }
  const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
  assert.match(summary, /## retrieval error vs retrieval\.beta: mean \[95 % bootstrap CI\] over seeds/);
  assert.match(summary, /\| model \| retrieval\.beta = 0\.5 \| retrieval\.beta = 4 \|/);
  assert.match(summary, /\| softmax · featureMap\.epochs=5 \| /);
  assert.match(readFileSync(join(dir, 'report.md'), 'utf8'), /!\[retrieval error vs featureMap\.epochs\]\(error-vs-featureMap\.epochs\.png\)/);
  const again = uhop('run', ...swept, '--out', dir);
  assert.match(again.stderr, /8 cached, 0 to run/);
  // one more value of one axis: only its cells run
  const extended = uhop('run', ...swept.map((a) => (a === 'retrieval.beta=[0.5,4]' ? 'retrieval.beta=[0.5,4,1]' : a)), '--out', dir);
  assert.equal(extended.code, 0, extended.stderr);
  assert.match(extended.stderr, /8 cached, 4 to run/);
  // another set of swept fields is another config
  const other = uhop('run', ...swept.filter((a) => a !== 'retrieval.beta=[0.5,4]' && a !== '--sweep'), '--out', dir);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /sweep axes/);
});

test('a swept grid: shards merged equal the unsharded run, --workers 2 equals --workers 1, --dry-run names the swept values', () => {
  const reference = readFileSync(join(work, 'two-axes', 'cells.csv'), 'utf8');
  const full = join(work, 'unsharded');
  assert.equal(uhop('run', ...swept, '--out', full).code, 0);
  const expected = readFileSync(join(full, 'cells.csv'), 'utf8');
  assert.notEqual(expected, reference, 'the extended folder has more cells');
  const shards = [1, 2, 3].map((i) => join(work, `shard${i}`));
  shards.forEach((dir, i) => assert.equal(uhop('run', ...swept, '--shard', `${i + 1}/3`, '--out', dir, '--quiet').code, 0));
  const merged = join(work, 'merged');
  const merge = uhop('merge', ...shards, '--out', merged);
  assert.equal(merge.code, 0, merge.stderr);
  for (const file of ['cells.csv', 'summary.csv', 'paired.csv']) {
    assert.equal(readFileSync(join(merged, file), 'utf8'), readFileSync(join(full, file), 'utf8'), file);
  }
  const two = join(work, 'two-workers');
  assert.equal(uhop('run', ...swept.map((a) => (a === '1' ? '2' : a)), '--out', two, '--quiet').code, 0);
  assert.equal(readFileSync(join(two, 'cells.csv'), 'utf8'), expected);
  const dry = uhop('run', ...swept, '--out', join(work, 'dry'), '--dry-run');
  assert.match(dry.stdout, /8 cells here: 0 cached, 8 to run/);
  assert.match(dry.stdout, /M=10, D_Φ=5, featureMap\.epochs=20, retrieval\.beta=4, seed=2 [0-9a-f]+ to run/);
  assert.equal(existsSync(join(work, 'dry')), false);
  assert.deepEqual(readdirSync(join(merged, 'cells')).filter((f) => f.endsWith('.json')).length, 8);
});

test('a swept cell holds the numbers of the plain config with that value', () => {
  const plain = join(work, 'plain');
  const run = uhop('run', 'configs/metastable-synthetic.json', '--set', 'seeds="1..2"', '--set', 'queries.count=50', '--set', 'featureMap.epochs=20', '--set', 'retrieval.beta=4', '--out', plain, '--quiet');
  assert.equal(run.code, 0, run.stderr);
  const strip = ({ 'featureMap.epochs': _e, 'retrieval.beta': _b, ...row }: Record<string, string>) => row;
  const fromSweep = csv(join(work, 'unsharded', 'cells.csv')).filter((r) => r['featureMap.epochs'] === '20' && r['retrieval.beta'] === '4').map(strip);
  assert.deepEqual(fromSweep, csv(join(plain, 'cells.csv')));
});

test('axis figures: mean and bootstrap band over seeds per model and setting; log x only where the values span more than 10×', async () => {
  const { axisPoints, axisSpec } = await import('../src/output/axisFigures.ts');
  const { bootstrapMeanInterval } = await import('../src/metrics/bootstrap.ts');
  type Row = Parameters<typeof axisPoints>[0][number];
  const row = (model: string, M: number, beta: number, seed: number, error: number) =>
    ({ model, M, seed, featureDim: 4, error, metastableShare: 0, sweep: { 'retrieval.beta': beta } }) as unknown as Row;
  const records = [1, 2, 3].flatMap((seed) => [row('A', 10, 0.5, seed, seed), row('A', 10, 50, seed, 2 * seed), row('A', 20, 0.5, seed, 10), row('B', 10, 0.5, seed, 0)]);
  const axis = { path: 'retrieval.beta', values: [0.5, 50] };
  const points = axisPoints(records, axis, 'error');
  const at = (model: string, setting: string, value: number) => points.find((p) => p.model === model && p.setting === setting && p.value === value)!;
  assert.equal(at('A', 'M=10', 0.5).mean, 2);
  assert.equal(at('A', 'M=10', 50).mean, 4);
  assert.equal(at('A', 'M=10', 0.5).n, 3);
  assert.equal(at('A', 'M=20', 50), undefined, 'no cells there');
  const [low, high] = [at('A', 'M=10', 0.5).ciLow, at('A', 'M=10', 0.5).ciHigh];
  assert.ok(low >= 1 && low <= 2 && high >= 2 && high <= 3, `${low}, ${high}`);
  assert.deepEqual([low, high], bootstrapMeanInterval([1, 2, 3], `axis/retrieval.beta/error/A/${JSON.stringify([['M', 10], ['featureDim', 4], ['retrieval.beta', 0.5]])}`));
  const xScale = (spec: ReturnType<typeof axisSpec>) => JSON.stringify(spec).match(/"scale":\{"type":"log"/) !== null;
  assert.equal(xScale(axisSpec(points, axis, 'error', 't')), true, '0.5 … 50 spans 100×');
  assert.equal(xScale(axisSpec(points, { ...axis, values: [0.5, 5] }, 'metastableShare', 't')), false, '10× is not more than 10×');
  assert.match(JSON.stringify(axisSpec(points, axis, 'error', 't')), /"facet":\{"field":"setting"/, 'M varies: one panel per M');
});

test('a recipe over a setting is one run sweeping it: uhop-error-vs-epochs draws error vs N and its claims read the axis', () => {
  const out = join(work, 'paper');
  const small = ['--set', 'sweep={"featureMap.epochs":[1,20,50]}'];
  const run = uhop('reproduce', 'uhop-error-vs-epochs', '--out', out, ...small);
  assert.equal(run.code, 0, run.stderr);
  const folder = join(out, 'uhop-error-vs-epochs');
  assert.ok(existsSync(join(folder, 'error-vs-featureMap.epochs.png')));
  assert.deepEqual(readdirSync(folder).filter((name) => name.includes('=')), [], 'no folder per setting');
  assert.deepEqual([...new Set(csv(join(folder, 'cells.csv')).map((r) => r['featureMap.epochs']))], ['1', '20', '50']);
  const verify = uhop('verify', out);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /pass {2}uhop-error-vs-epochs\/error-falls-with-n: Spearman ρ = -1\.00 over 3 values of featureMap\.epochs/);
});
