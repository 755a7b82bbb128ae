/** The run machinery on a small synthetic grid: cell identity in merges and tables, damaged cells, folder locks, shard sets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cellIdentity, describeCell } from '../src/experiments/cellIdentity.ts';

const work = mkdtempSync(join(tmpdir(), 'uhop-runs-'));

function uhop(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/uhop', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** 4 cells (M = 10 × D_Φ ∈ {3, 5} × 2 seeds), 50 queries each: about a second. */
const grid = ['configs/metastable-synthetic.json', '--set', 'seeds=2', '--set', 'featureMap.dim=[3,5]', '--set', 'queries.count=50', '--workers', '1', '--quiet'];

const unsharded = join(work, 'unsharded');
const shardDirs = [1, 2].map((i) => join(work, `dims-shard${i}`));
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
  const shards = shardDirs;
  shards.forEach((dir, i) => assert.equal(uhop('run', ...grid, '--shard', `${i + 1}/2`, '--out', dir).code, 0));
  const merged = join(work, 'dims-merged');
  const merge = uhop('merge', ...shards, '--out', merged);
  assert.equal(merge.code, 0, merge.stderr);
  assert.equal(readFileSync(join(merged, 'cells.csv'), 'utf8'), reference);
  assert.equal(readFileSync(join(merged, 'summary.csv'), 'utf8'), readFileSync(join(unsharded, 'summary.csv'), 'utf8'));
});

const cellFilesOf = (dir: string) => readdirSync(join(dir, 'cells')).filter((f) => f.endsWith('.json') && !f.endsWith('.failed.json')).sort();

test('a damaged cell file is never read as a result: report and merge name it (exit 2), run recomputes it and says so', () => {
  const dir = join(work, 'damaged');
  cpSync(unsharded, dir, { recursive: true });
  const [truncated, emptied, retyped] = cellFilesOf(dir).map((name) => join(dir, 'cells', name));
  const text = readFileSync(truncated, 'utf8');
  writeFileSync(truncated, text.slice(0, text.length / 2));
  writeFileSync(emptied, JSON.stringify({ ...JSON.parse(readFileSync(emptied, 'utf8')), records: [] }));
  const cell = JSON.parse(readFileSync(retyped, 'utf8'));
  cell.records[1].error = 'small';
  writeFileSync(retyped, JSON.stringify(cell));
  const report = uhop('report', dir);
  assert.equal(report.code, 2, report.stdout + report.stderr);
  for (const file of [truncated, emptied, retyped]) assert.ok(report.stderr.includes(basename(file)), `${basename(file)} named`);
  assert.match(report.stderr, /not valid JSON/);
  assert.match(report.stderr, /records: Too small/);
  assert.match(report.stderr, /records\.1\.error: Invalid input: expected number, received string/);
  const merge = uhop('merge', dir, '--out', join(work, 'damaged-merged'));
  assert.equal(merge.code, 2);
  assert.ok(merge.stderr.includes(basename(truncated)));
  const run = uhop('run', ...grid, '--out', dir);
  assert.equal(run.code, 0, run.stderr);
  for (const file of [truncated, emptied, retyped]) assert.match(run.stderr, new RegExp(`${basename(file)}: .*; recomputing this cell`));
  assert.equal(readFileSync(join(dir, 'cells.csv'), 'utf8'), reference);
  assert.equal(uhop('report', dir).code, 0);
});

test('cell files: a file of other models, of another cell or under another key is damaged', async () => {
  const { readCachedCell } = await import('../src/runs/cache.ts');
  const dir = join(work, 'edited');
  cpSync(unsharded, dir, { recursive: true });
  const [first, second] = cellFilesOf(dir);
  const key = first.slice(0, -'.json'.length);
  const models = (JSON.parse(readFileSync(join(dir, 'cells', first), 'utf8')).records as Array<{ model: string }>).map((r) => r.model);
  assert.equal(readCachedCell(dir, key, models).kind, 'ok');
  assert.match(String((readCachedCell(dir, key, ['softmax']) as { problem: string }).problem), /records are of models/);
  const moved = JSON.parse(readFileSync(join(dir, 'cells', first), 'utf8'));
  moved.records[0].seed = 7;
  writeFileSync(join(dir, 'cells', first), JSON.stringify(moved));
  assert.match(String((readCachedCell(dir, key) as { problem: string }).problem), /records\.0: belongs to another cell/);
  cpSync(join(dir, 'cells', second), join(dir, 'cells', first));
  assert.match(String((readCachedCell(dir, key) as { problem: string }).problem), /is not its name's/);
  assert.equal(readCachedCell(dir, 'abc123').kind, 'missing');
});

const lockOf = (holder: { pid: number; host: string }) => JSON.stringify({ ...holder, started: '2025-01-01T00:00:00.000Z', command: ['run', 'x.json'] });

test('a folder being written is locked: a live holder refuses a second run (exit 2, naming it), a dead one on this host is taken over', () => {
  const dir = join(work, 'locked');
  cpSync(unsharded, dir, { recursive: true });
  writeFileSync(join(dir, 'uhop.lock'), lockOf({ pid: process.pid, host: hostname() }));
  const live = uhop('run', ...grid, '--out', dir);
  assert.equal(live.code, 2);
  assert.match(live.stderr, new RegExp(`being written by uhop \\(pid ${process.pid} on ${hostname()}, since 2025-01-01T00:00:00.000Z: uhop run x.json\\)`));
  assert.equal(uhop('report', dir).code, 2, 'report waits for the writer too');
  writeFileSync(join(dir, 'uhop.lock'), lockOf({ pid: process.pid, host: 'another-host' }));
  assert.equal(uhop('run', ...grid, '--out', dir).code, 2, 'a lock of another machine is never taken over');
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  writeFileSync(join(dir, 'uhop.lock'), lockOf({ pid: dead, host: hostname() }));
  const takeover = uhop('run', ...grid, '--out', dir);
  assert.equal(takeover.code, 0, takeover.stderr);
  assert.equal(existsSync(join(dir, 'uhop.lock')), false, 'released after the run');
  assert.equal(readFileSync(join(dir, 'cells.csv'), 'utf8'), reference);
});

const otherModels = ['--set', 'models=[{"name":"softmax","separation":"softmax"},{"name":"sparsemax + U-Hop+","separation":"sparsemax","featureMap":true}]'];

test('one folder, one config: another config is refused (also with --force), a larger grid of the same config computes only its new cells', () => {
  const dir = join(work, 'one-config');
  cpSync(unsharded, dir, { recursive: true });
  const before = readFileSync(join(dir, 'config.resolved.json'), 'utf8');
  // with --workers 2 the pool starts before the folder is checked: refused, the run still ends
  for (const extra of [[], ['--force'], ['--workers', '2']]) {
    const refused = uhop('run', ...grid, ...otherModels, '--set', 'retrieval.steps=5', '--out', dir, ...extra);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /holds the cells of another config: models, retrieval\.steps differ from its config\.resolved\.json/);
    assert.match(refused.stderr, /--out/);
  }
  assert.equal(readFileSync(join(dir, 'config.resolved.json'), 'utf8'), before);
  assert.equal(readFileSync(join(dir, 'cells.csv'), 'utf8'), reference);
  const relabelled = uhop('run', ...grid, '--set', 'name=renamed', '--set', 'figures=["error-vs-M","error-vs-logit-scale"]', '--out', dir);
  assert.equal(relabelled.code, 0, 'labels and reporting options may change');
  const extended = uhop('run', ...grid.filter((a) => a !== '--quiet'), '--set', 'seeds=3', '--out', dir);
  assert.equal(extended.code, 0, extended.stderr);
  assert.match(extended.stderr, /4 cached, 2 to run/);
  assert.equal(readFileSync(join(dir, 'cells.csv'), 'utf8').trim().split('\n').length, 1 + 6 * 6);
});

test('two runs of different configs started together on one folder: one writes it, the other is refused', async () => {
  const dir = join(work, 'race');
  const start = (extra: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/uhop', 'run', ...grid, ...extra, '--out', dir]);
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (code) => resolve({ code, stderr }));
    });
  const outcomes = await Promise.all([start([]), start(otherModels)]);
  assert.deepEqual(outcomes.map((o) => o.code).sort(), [0, 2], outcomes.map((o) => o.stderr).join('\n'));
  const winner = outcomes.findIndex((o) => o.code === 0);
  const models = new Set(readFileSync(join(dir, 'cells.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(',')[0]));
  assert.equal(models.size, winner === 0 ? 6 : 2, 'the tables are of the run that wrote the folder');
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.resolved.json'), 'utf8')).models.length, models.size);
});

test('merge refuses an incomplete shard set (exit 2, naming the missing shards) unless --partial', () => {
  const refused = uhop('merge', shardDirs[0], '--out', join(work, 'half'));
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /incomplete shard set: shard 2\/2 missing \(2 of the grid's 4 cells are in none of these folders\).*--partial/);
  assert.equal(existsSync(join(work, 'half', 'cells.csv')), false);
  const partial = uhop('merge', shardDirs[0], '--out', join(work, 'half'), '--partial');
  assert.equal(partial.code, 0, partial.stderr);
  assert.equal(readFileSync(join(work, 'half', 'cells.csv'), 'utf8').trim().split('\n').length, 1 + 2 * 6);
  assert.equal(uhop('merge', shardDirs[1], unsharded, '--out', join(work, 'with-unsharded')).code, 0, 'an unsharded folder holds every cell');
});

test('merge copies failed cells too; failed.csv goes once no cell has failed (run and report)', () => {
  const shard = join(work, 'shard-with-failure');
  cpSync(shardDirs[1], shard, { recursive: true });
  const [name] = cellFilesOf(shard);
  const key = name.slice(0, -'.json'.length);
  const cell = JSON.parse(readFileSync(join(shard, 'cells', name), 'utf8'));
  rmSync(join(shard, 'cells', name));
  const failure = { memories: cell.memories, seed: cell.seed, featureDim: cell.featureDim, key, error: 'model "softmax": non-finite retrieval state', failedAt: '2025-01-01T00:00:00.000Z' };
  writeFileSync(join(shard, 'cells', `${key}.failed.json`), JSON.stringify(failure));
  const merged = join(work, 'merged-with-failure');
  const merge = uhop('merge', shardDirs[0], shard, '--out', merged);
  assert.equal(merge.code, 0, merge.stderr);
  assert.match(merge.stdout, /3 cells, 1 failed/);
  assert.ok(existsSync(join(merged, 'cells', `${key}.failed.json`)));
  assert.match(readFileSync(join(merged, 'failed.csv'), 'utf8'), new RegExp(`${cell.memories},${cell.featureDim},${cell.seed},${key},"model ""softmax""`));
  assert.match(readFileSync(join(merged, 'report.md'), 'utf8'), new RegExp(`\\| M=10, D_Φ=${cell.featureDim}, seed=${cell.seed} \\| model "softmax"`));
  const retried = uhop('run', ...grid, '--out', merged);
  assert.equal(retried.code, 0, retried.stderr);
  assert.equal(existsSync(join(merged, 'failed.csv')), false, 'run removes it');
  assert.equal(existsSync(join(merged, 'cells', `${key}.failed.json`)), false);
  assert.equal(readFileSync(join(merged, 'cells.csv'), 'utf8'), reference);
  writeFileSync(join(merged, 'failed.csv'), 'memories,seed\n10,1\n');
  assert.equal(uhop('report', merged).code, 0);
  assert.equal(existsSync(join(merged, 'failed.csv')), false, 'report removes it');
});

test('a merge killed mid-copy leaves no partial cell file under its final name', () => {
  const out = join(work, 'merge-killed');
  const run = spawnSync(process.execPath, ['--import', './test/killMidCellWrite.mjs', 'bin/uhop', 'merge', ...shardDirs, '--out', out], { encoding: 'utf8' });
  assert.equal(run.signal, 'SIGKILL', 'killed in its first cell write');
  const finals = readdirSync(join(out, 'cells')).filter((f) => f.endsWith('.json'));
  assert.deepEqual(finals, [], `no cell under its final name: ${finals.join(', ')}`);
  const merge = uhop('merge', ...shardDirs, '--out', out);
  assert.equal(merge.code, 0, merge.stderr);
  assert.equal(readFileSync(join(out, 'cells.csv'), 'utf8'), reference);
  assert.deepEqual(readdirSync(join(out, 'cells')).filter((f) => f.endsWith('.tmp')), [], 'the killed merge\'s temporary file is gone');
});
