/** One big cell on several workers: its blocks are shared, and the numbers do not change. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const work = mkdtempSync(join(tmpdir(), 'uhop-parallel-'));
const config = {
  name: 'parallel',
  parity: 'textbook',
  dataset: { name: 'synthetic-sphere', dim: 16, count: 400, seed: 1 },
  memories: [60],
  seeds: [1],
  queries: { from: 'pool', count: 50 },
  corruption: { type: 'none' },
  retrieval: { steps: 2, beta: 4 },
  featureMap: { dim: 8, epochs: 5, loss: 'uhop-plus', optimizer: 'adam', lr: 0.05 },
  metrics: { clamp: false },
  models: [
    { name: 'softmax' },
    { name: 'sparsemax', separation: 'sparsemax' },
    { name: 'U-Hop+', featureMap: true },
    { name: 'U-Hop+ norm-matched', featureMap: true, control: 'norm-matched' },
    { name: 'matched', control: 'temperature-matched' },
  ],
};
const path = join(work, 'parallel.json');
writeFileSync(path, JSON.stringify(config));

function run(workers: number, out: string, blockEntries: string | null = String(7 * 60)) {
  // every cell shares its blocks (threshold 0), 7 queries per block
  const env = { ...process.env, UHOP_SHARE_FLOPS: '0', UHOP_DEBUG_JOBS: '1', ...(blockEntries ? { UHOP_BLOCK_ENTRIES: blockEntries } : {}) };
  const result = spawnSync(process.execPath, ['bin/uhop', 'run', path, '--out', out, '--workers', String(workers), '--quiet'], { encoding: 'utf8', env });
  assert.equal(result.status, 0, result.stderr);
  return result.stderr;
}

test('a shared cell gives the same cells.csv on 2 workers as in one thread, and its blocks run on both workers', () => {
  run(1, join(work, 'one'));
  const log = run(2, join(work, 'two'));
  assert.equal(readFileSync(join(work, 'two', 'cells.csv'), 'utf8'), readFileSync(join(work, 'one', 'cells.csv'), 'utf8'));
  const jobs = log.split('\n').filter((line) => line.startsWith('job '));
  // 8 blocks of 7 queries (the last of 1) per model, 5 models; some run on the worker that did not build the cell
  // (a worker's last stderr lines may be lost when the pool closes: at most that many lines)
  assert.ok(jobs.length > 0 && jobs.length <= 5 * 8, `${jobs.length} job lines`);
  assert.ok(jobs.every((line) => /^job \S+ (pixels|learned|norm-matched) \d+\+[17] own=(true|false)$/.test(line)), 'blocks of 7 queries and a last one of 1');
  assert.ok(jobs.some((line) => line.endsWith('own=false')), 'some blocks ran on the other worker');
  assert.ok(jobs.some((line) => line.includes('norm-matched')), 'the norm-matched space is rebuilt too');
});

test('models that share their first scores (softmax, sparsemax) still go to the pool one model each: a cell of one block per model uses both workers', () => {
  run(1, join(work, 'one-whole'), null);
  const log = run(2, join(work, 'two-whole'), null);
  assert.equal(readFileSync(join(work, 'two-whole', 'cells.csv'), 'utf8'), readFileSync(join(work, 'one-whole', 'cells.csv'), 'utf8'));
  const pixelJobs = log.split('\n').filter((line) => / pixels 0\+\d+ /.test(line));
  assert.equal(pixelJobs.length, 2, `one job per pixel model: ${pixelJobs.join('; ')}`);
});
