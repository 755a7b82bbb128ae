import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

const work = mkdtempSync(join(tmpdir(), 'uhop-sweep-'));

function uhop(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/uhop', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** 12 small cells (M ∈ {6, 8, 10, 12} × 3 seeds), 3 models including U-Hop. */
const sweep = [
  'configs/mnist.json',
  '--set', 'memories=[6,8,10,12]',
  '--set', 'seeds=3',
  '--set', 'featureMap.epochs=30',
  '--set', 'models=[{"name":"MHN"},{"name":"sparse","separation":"sparsemax"},{"name":"U-Hop","featureMap":true}]',
];

const cellFiles = (dir: string) => readdirSync(join(dir, 'cells')).filter((f) => f.endsWith('.json') && !f.endsWith('.failed.json'));

let reference = '';

test('reference run; an unchanged or merely relabelled config then hits the cache for every cell', () => {
  const dir = join(work, 'reference');
  const first = uhop('run', ...sweep, '--out', dir, '--workers', '1');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /0 cached, 12 to run/);
  reference = readFileSync(join(dir, 'cells.csv'), 'utf8');
  const again = uhop('run', ...sweep, '--out', dir, '--set', 'description="renamed, same experiment"', '--set', 'name=other');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /12 cached, 0 to run/);
  assert.equal(readFileSync(join(dir, 'cells.csv'), 'utf8'), reference);
  const changed = uhop('run', ...sweep, '--out', dir, '--set', 'featureMap.epochs=31', '--dry-run');
  assert.match(changed.stdout, /0 cached, 12 to run/, 'a change to the math settings invalidates every cell');
  const forced = uhop('run', ...sweep, '--out', dir, '--dry-run', '--force');
  assert.match(forced.stdout, /0 cached, 12 to run/);
});

test('--workers 2 gives the same cells.csv as --workers 1', () => {
  const dir = join(work, 'two-workers');
  const run = uhop('run', ...sweep, '--out', dir, '--workers', '2');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /on 2 worker/);
  assert.equal(readFileSync(join(dir, 'cells.csv'), 'utf8'), reference);
});

test('a run killed with SIGKILL resumes: finished cells are not recomputed, tables equal an uninterrupted run', async () => {
  const dir = join(work, 'killed');
  const child = spawn(process.execPath, ['bin/uhop', 'run', ...sweep, '--out', dir, '--workers', '1', '--quiet']);
  // wait until some but not all cells are stored, then kill without warning
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const done = existsSync(join(dir, 'cells')) ? cellFiles(dir).length : 0;
      if (done >= 3) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('the run finished before it could be killed'));
    });
  });
  await new Promise((resolve) => child.on('close', resolve));
  const survivors = cellFiles(dir);
  assert.ok(survivors.length >= 3 && survivors.length < 12, `${survivors.length} cells stored before the kill`);
  const before = new Map(survivors.map((f) => [f, statSync(join(dir, 'cells', f)).mtimeMs]));
  for (const f of survivors) JSON.parse(readFileSync(join(dir, 'cells', f), 'utf8')); // no partial file
  const resumed = uhop('run', ...sweep, '--out', dir, '--workers', '1');
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`${survivors.length} cached, ${12 - survivors.length} to run`));
  for (const [f, mtime] of before) assert.equal(statSync(join(dir, 'cells', f)).mtimeMs, mtime, `${f} was rewritten`);
  assert.equal(readFileSync(join(dir, 'cells.csv'), 'utf8'), reference);
  assert.deepEqual(readdirSync(join(dir, 'cells')).filter((f) => f.endsWith('.tmp')), []);
});

test('shards 1/2 and 2/2 merged equal the unsharded run; merge refuses different configs', () => {
  const shards = [1, 2].map((i) => join(work, `shard${i}`));
  shards.forEach((dir, i) => {
    const run = uhop('run', ...sweep, '--out', dir, '--shard', `${i + 1}/2`);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /0 cached, 6 to run/);
  });
  const merged = join(work, 'merged');
  const merge = uhop('merge', ...shards, '--out', merged);
  assert.equal(merge.code, 0, merge.stderr);
  assert.equal(readFileSync(join(merged, 'cells.csv'), 'utf8'), reference);
  assert.equal(cellFiles(merged).length, 12);
  const other = join(work, 'other-config');
  assert.equal(uhop('run', ...sweep, '--set', 'memories=[6]', '--out', other, '--quiet').code, 0);
  const refused = uhop('merge', shards[0], other, '--out', join(work, 'bad-merge'));
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /differs/);
  assert.equal(uhop('run', ...sweep, '--shard', '3/2', '--dry-run').code, 2);
});

test('uhop report regenerates every table from stored cells without recomputing', () => {
  const dir = join(work, 'reference');
  writeFileSync(join(dir, 'cells.csv'), 'damaged');
  const report = uhop('report', dir);
  assert.equal(report.code, 0, report.stderr);
  assert.equal(readFileSync(join(dir, 'cells.csv'), 'utf8'), reference);
  const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.match(markdown, /!\[retrieval error vs M\]\(error-vs-M\.png\)/);
  assert.match(markdown, /## Resolved config/);
  const summary = parse(readFileSync(join(dir, 'summary.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  for (const row of summary) assert.ok(Number(row.errorCiLow) <= Number(row.errorMean) && Number(row.errorMean) <= Number(row.errorCiHigh), `${row.model} M=${row.M}`);
  const paired = parse(readFileSync(join(dir, 'paired.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  assert.equal(paired.length, 2 * 4, '2 models against the baseline at 4 M');
  assert.ok(paired.every((row) => row.baseline === 'MHN' && Number(row.n) === 3));
  assert.equal(uhop('report', join(work, 'nowhere')).code, 2);
});

test('a model that produces NaN/Inf marks its cell failed with the model and step; the next run retries it', () => {
  const dir = join(work, 'nan');
  // poly-10 on raw U-Hop features (~1e5) overflows float32
  const bad = ['configs/mnist.json', '--set', 'memories=[10]', '--set', 'seeds=1', '--set', 'featureMap.epochs=2',
    '--set', 'models=[{"name":"MHN"},{"name":"U-Hop poly","separation":"poly","degree":10,"featureMap":true}]'];
  const run = uhop('run', ...bad, '--out', dir);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /model "U-Hop poly": non-finite retrieval state or weights at step 1/);
  assert.match(readFileSync(join(dir, 'failed.csv'), 'utf8'), /U-Hop poly/);
  assert.equal(readFileSync(join(dir, 'cells.csv'), 'utf8').trim().split('\n').length, 1, 'no silent numbers');
  const retry = uhop('run', ...bad, '--out', dir, '--dry-run');
  assert.match(retry.stdout, /failed before, will retry/);
});

test('uhop reproduce + verify: a recipe passes its claims, and a deliberately broken model fails them (exit 1)', () => {
  const out = join(work, 'paper');
  const small = ['--set', 'memories=[50,100]', '--set', 'seeds=2', '--set', 'featureMap.epochs=30'];
  assert.equal(uhop('reproduce', 'uhop-capacity-mnist', '--out', out, ...small).code, 0);
  const good = uhop('verify', out);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /pass {2}uhop-capacity-mnist\/softmax-beats-mhn/);
  assert.match(readFileSync(join(out, 'claims.md'), 'utf8'), /\| uhop-capacity-mnist \|/);
  // "U-Hop softmax" that is really poly-10 on raw pixels: its claim must fail
  const broken = '[{"name":"MHN softmax"},{"name":"MHN sparsemax","separation":"sparsemax"},{"name":"L2 (UHN)","similarity":"l2"},{"name":"U-Hop softmax","separation":"poly"},{"name":"U-Hop sparsemax","separation":"sparsemax","featureMap":true}]';
  // other models are another config: not into the folder of the first, but into a root of their own
  const refused = uhop('reproduce', 'uhop-capacity-mnist', '--out', out, ...small, '--set', `models=${broken}`);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /holds the cells of another config: models differ from its config.resolved.json.*--out/);
  const brokenOut = join(work, 'paper-broken');
  assert.equal(uhop('reproduce', 'uhop-capacity-mnist', '--out', brokenOut, ...small, '--set', `models=${broken}`).code, 0);
  const bad = uhop('verify', brokenOut);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^fail {2}uhop-capacity-mnist\/softmax-beats-mhn/m);
  assert.equal(uhop('reproduce', 'no-such-recipe').code, 2);
});

test('agreement of two runs: largest relative difference per field, median error per model and M', async () => {
  const { compareRecords } = await import('../src/bench/agreement.ts');
  type Record = Parameters<typeof compareRecords>[0][number];
  const make = (seed: number, error: number, deltaMin: number) => ({ model: 'U-Hop', M: 10, featureDim: 4, seed, error, deltaMin, control: '' }) as unknown as Record;
  const a = [make(1, 1, 0.5), make(2, 2, 0.5), make(3, 4, NaN)];
  const b = [make(1, 1.1, 0.5), make(2, 2, 0.5), make(3, 4, NaN)];
  const fields = compareRecords(a, b);
  const byField = Object.fromEntries(fields.map((f) => [f.field, f]));
  assert.ok(Math.abs(byField.error.maxRelative - 0.1 / 1.1) < 1e-12);
  assert.match(byField.error.where, /seed=1: 1 vs 1.1/);
  assert.equal(byField['median error'].maxRelative, 0, 'median of 1, 2, 4 and of 1.1, 2, 4 is 2 in both');
  assert.equal(byField.deltaMin.maxRelative, 0, 'NaN in both runs counts as equal');
  assert.equal(fields[0].field, 'error');
  assert.throws(() => compareRecords(a, b.slice(0, 2)), /no record for U-Hop \| M=10/);
});

test('workers started before the plan: none for a config the main thread runs alone, the count asked for otherwise', async () => {
  const { workersToStart } = await import('../src/runs/sweep.ts');
  const { resolveConfig } = await import('../src/config/parity.ts');
  const { validateConfig } = await import('../src/config/load.ts');
  const tiny = resolveConfig(
    validateConfig({ name: 'tiny', dataset: { name: 'synthetic-sphere', dim: 8, count: 50, seed: 1 }, memories: [5], seeds: 2, models: [{ name: 'softmax' }] }, 'tiny'),
  );
  assert.equal(await workersToStart(tiny, { resultsDir: tmpdir() }), 1);
  assert.equal(await workersToStart(tiny, { resultsDir: tmpdir(), workers: 3 }), 3);
});

test('runToFolder calls the hooks of the progress object it is given, methods of a class included', async () => {
  const { loadConfig } = await import('../src/config/load.ts');
  const { runToFolder } = await import('../src/runs/runToFolder.ts');
  class Recorder {
    calls: string[] = [];
    onPlan(_plan: unknown, toRun: number) {
      this.calls.push(`plan ${toRun}`);
    }
    onCellStart() {
      this.calls.push('start');
    }
    onCellDone(_cell: unknown, ok: boolean, done: number) {
      this.calls.push(`done ${ok} ${done}`);
    }
  }
  const recorder = new Recorder();
  const config = loadConfig('configs/synthetic-sphere.json', ['memories=[6]', 'seeds=2']);
  await runToFolder(config, { resultsDir: join(work, 'class-progress'), workers: 1, progress: recorder });
  assert.deepEqual(recorder.calls, ['plan 2', 'start', 'done true 1', 'start', 'done true 2']);
});
