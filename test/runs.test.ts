/** The run machinery on a small synthetic grid: cell identity in merges and tables, damaged cells, folder locks, shard sets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellIdentity, describeCell } from '../src/experiments/cellIdentity.ts';

const work = mkdtempSync(join(tmpdir(), 'uhop-runs-'));

function uhop(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/uhop', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** 4 cells (M = 10 × D_Φ ∈ {3, 5} × 2 seeds), 50 queries each: about a second. */
const grid = ['configs/metastable-synthetic.json', '--set', 'seeds=2', '--set', 'featureMap.dim=[3,5]', '--set', 'queries.count=50', '--workers', '1', '--quiet'];

const unsharded = join(work, 'unsharded');
let reference = '';

test('cell identity: cells that differ in D_Φ or in a swept value differ; the seed can be left out', () => {
  const a = { memories: 10, seed: 1, featureDim: 3 };
  assert.notEqual(cellIdentity(a), cellIdentity({ ...a, featureDim: 5 }));
  assert.notEqual(cellIdentity(a), cellIdentity({ ...a, seed: 2 }));
  assert.equal(cellIdentity(a, { without: ['seed'] }), cellIdentity({ ...a, seed: 2 }, { without: ['seed'] }));
  // a cell before it ran (memories) and a record of it (M) are the same cell
  assert.equal(cellIdentity(a), cellIdentity({ M: 10, seed: 1, featureDim: 3 }));
  const swept = { ...a, sweep: { 'retrieval.beta': 0.5, 'corruption.p': 0.3 } };
  assert.notEqual(cellIdentity(swept), cellIdentity({ ...a, sweep: { 'retrieval.beta': 1, 'corruption.p': 0.3 } }));
  assert.equal(cellIdentity(swept), cellIdentity({ ...a, sweep: { 'corruption.p': 0.3, 'retrieval.beta': 0.5 } }), 'order of paths');
  assert.equal(describeCell(swept), 'M=10, D_Φ=3, retrieval.beta=0.5, corruption.p=0.3, seed=1');
});

test('shards of a D_Φ grid merged equal the unsharded run (no cells collapsed, none twice)', () => {
  const run = uhop('run', ...grid, '--out', unsharded);
  assert.equal(run.code, 0, run.stderr);
  reference = readFileSync(join(unsharded, 'cells.csv'), 'utf8');
  const dims = reference.trim().split('\n').slice(1).map((line) => line.split(',')[4]);
  assert.deepEqual([...new Set(dims)].sort(), ['3', '5']);
  const shards = [1, 2].map((i) => join(work, `dims-shard${i}`));
  shards.forEach((dir, i) => assert.equal(uhop('run', ...grid, '--shard', `${i + 1}/2`, '--out', dir).code, 0));
  const merged = join(work, 'dims-merged');
  const merge = uhop('merge', ...shards, '--out', merged);
  assert.equal(merge.code, 0, merge.stderr);
  assert.equal(readFileSync(join(merged, 'cells.csv'), 'utf8'), reference);
  assert.equal(readFileSync(join(merged, 'summary.csv'), 'utf8'), readFileSync(join(unsharded, 'summary.csv'), 'utf8'));
});
