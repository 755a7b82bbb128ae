import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { mean } from 'simple-statistics';
import { comparePairedRows, compareRows, configDifferences, unpairedReason, type ComparedRun } from '../src/output/compareTables.ts';
import { buildComparison } from '../src/output/compare.ts';
import { runLabels } from '../src/runs/compareFolders.ts';
import { bootstrapMeanInterval } from '../src/metrics/bootstrap.ts';
import type { ModelRecord } from '../src/experiments/records.ts';
import type { ResolvedConfig } from '../src/config/parity.ts';
import type { Manifest } from '../src/output/manifest.ts';

const work = mkdtempSync(join(tmpdir(), 'uhop-compare-'));

function record(model: string, M: number, seed: number, error: number, featureDim = 784): ModelRecord {
  return { model, M, seed, error, featureDim, exactRate: 1, successRate: 1, logitScale: 1, metastableShare: 0, supportHistogram: [0, 1] } as ModelRecord;
}

function run(label: string, records: ModelRecord[], options: { sha?: string; p?: number; indices?: number[] } = {}): ComparedRun {
  const config = { name: 'mnist', parity: 'official', dataset: { name: 'mnist', ...(options.indices ? { indices: options.indices } : {}) }, corruption: { type: 'dropout', p: options.p ?? 0.5 } } as unknown as ResolvedConfig;
  const manifest = { dataset: { name: 'mnist', count: 10000, dim: 784, sha256: options.sha ?? 'a'.repeat(64) }, mathVersion: 'm', finishedAt: 't' } as unknown as Manifest;
  return { label, directory: label, config, manifest, records, failed: 0 };
}

// reference errors per seed, and the other run's: differences 1, −2, 4 on seeds 0..2 of (a, M = 10)
const reference = run('ref', [record('a', 10, 0, 5), record('a', 10, 1, 6), record('a', 10, 2, 7), record('b', 10, 0, 1), record('a', 20, 0, 3)]);
const other = run('other', [record('a', 10, 0, 6), record('a', 10, 1, 4), record('a', 10, 2, 11), record('a', 10, 3, 100), record('c', 10, 0, 2)], { p: 0.3 });

test('paired differences: per shared cell (model, M, seed, D_Φ), mean, bootstrap CI and win share', () => {
  const paired = comparePairedRows([reference, other]);
  assert.equal(paired.length, 1, 'only (a, M = 10) is in both runs');
  const [row] = paired;
  assert.equal(row.n, 3, 'seed 3 has no reference cell');
  assert.equal(row.meanDiff, (1 - 2 + 4) / 3);
  assert.equal(row.winShare, 1 / 3);
  assert.deepEqual([row.ciLow, row.ciHigh], bootstrapMeanInterval([1, -2, 4], 'compare/ref/other/a/784/10'));
  assert.equal(row.reference, 'ref');
});

test('runs on different data or memory selections are not paired, and the reason says why', () => {
  const elsewhere = run('elsewhere', other.records, { sha: 'b'.repeat(64) });
  assert.deepEqual(comparePairedRows([reference, elsewhere]), []);
  assert.match(unpairedReason(reference, elsewhere)!, /different data/);
  const pinned = run('pinned', other.records, { indices: [1, 2, 3] });
  assert.deepEqual(comparePairedRows([reference, pinned]), []);
  assert.match(unpairedReason(reference, pinned)!, /memory selection/);
  const markdown = buildComparison([reference, elsewhere]).markdown;
  assert.match(markdown, /elsewhere: not paired with ref: different data/);
});

test('the union of models, D_Φ in the label when the runs span several, and the config paths that differ', () => {
  const rows = compareRows([reference, other]);
  assert.deepEqual([...new Set(rows.map((r) => r.model))], ['a', 'b', 'c']);
  const a10 = rows.find((r) => r.run === 'other' && r.model === 'a' && r.M === 10)!;
  assert.equal(a10.mean, mean([6, 4, 11, 100]));
  assert.equal(a10.n, 4);
  const wide = run('wide', [record('a', 10, 0, 1, 16), record('a', 10, 0, 2, 32)]);
  assert.deepEqual([...new Set(compareRows([reference, wide]).map((r) => r.model))], ['a · D_Φ = 784', 'b · D_Φ = 784', 'a · D_Φ = 16', 'a · D_Φ = 32']);
  assert.deepEqual(configDifferences([reference, other]), [{ path: 'corruption.p', values: ['0.5', '0.3'] }]);
});

test('figures: error vs M always, vs D_Φ only with several D_Φ, paired differences only when runs pair', () => {
  assert.deepEqual(Object.keys(buildComparison([reference, other]).figures), ['error-vs-M', 'paired-difference']);
  const wide = run('wide', [record('a', 10, 0, 1, 16), record('a', 10, 0, 2, 32)], { sha: 'c'.repeat(64) });
  assert.deepEqual(Object.keys(buildComparison([reference, wide]).figures), ['error-vs-M', 'error-vs-featureDim']);
  const { markdown } = buildComparison([reference, other]);
  assert.match(markdown, /!\[[^\]]+\]\(error-vs-M\.png\)/);
  assert.match(markdown, /\| a \| 10 \| 6\.00 ± 1\.00 \[5\.00, 7\.00\] \(n = 3\) \| 30\.25 ± /);
  assert.match(markdown, /\| other \| a \| 10 \| 3 \| 1\.00 \[/);
});

test('run labels: folder names, with the parent where two are equal', () => {
  assert.deepEqual(runLabels(['/r/a/mnist', '/r/b/mnist', '/r/noise']), ['a/mnist', 'b/mnist', 'noise']);
  assert.deepEqual(runLabels(['/x/a/m', '/y/a/m']), ['a/m (1)', 'a/m (2)']);
});

function uhop(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/uhop', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('uhop compare names every folder it cannot read and exits 2, writing nothing', () => {
  const empty = join(work, 'empty');
  mkdirSync(empty);
  const broken = join(work, 'broken');
  mkdirSync(broken);
  writeFileSync(join(broken, 'config.resolved.json'), '{ not json');
  const out = join(work, 'refused');
  const result = uhop('compare', join(work, 'missing'), empty, broken, '--out', out);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /cannot read 3 folder\(s\)/);
  for (const name of ['missing', 'empty', 'broken']) assert.match(result.stderr, new RegExp(`${work}/${name}`));
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(existsSync(out), false);
  assert.equal(uhop('compare', empty, '--out', out).code, 2, 'one folder is not a comparison');
});

test('uhop compare of two real runs: tables, CSVs, figures and a page; paired on the shared cells', () => {
  const models = '[{"name":"MHN"},{"name":"sparse","separation":"sparsemax"}]';
  const a = join(work, 'half');
  const b = join(work, 'third');
  for (const [out, p, seeds] of [[a, 0.5, 3], [b, 0.3, 2]] as const) {
    const result = uhop('run', 'configs/mnist.json', '--out', out, '--set', 'memories=[6,12]', '--set', `seeds=${seeds}`, '--set', `models=${models}`, '--set', `corruption.p=${p}`, '--quiet');
    assert.equal(result.code, 0, result.stderr);
  }
  const out = join(work, 'compared');
  const result = uhop('compare', a, b, '--out', out);
  assert.equal(result.code, 0, result.stderr);
  for (const name of ['compare.md', 'compare.html', 'compare.csv', 'compare-paired.csv', 'error-vs-M.svg', 'error-vs-M.png', 'paired-difference.png']) {
    assert.ok(existsSync(join(out, name)), `${name} missing`);
  }
  const paired = parse(readFileSync(join(out, 'compare-paired.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  assert.equal(paired.length, 2 * 2, '2 models × 2 M');
  assert.ok(paired.every((row) => row.n === '2' && row.run === 'third' && row.reference === 'half'), 'the 2 seeds both runs have');
  const summary = parse(readFileSync(join(out, 'compare.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  assert.equal(summary.length, 2 * 2 * 2, '2 runs × 2 models × 2 M');
  const md = readFileSync(join(out, 'compare.md'), 'utf8');
  assert.match(md, /\| `corruption\.p` \| 0\.5 \| 0\.3 \|/);
  const html = readFileSync(join(out, 'compare.html'), 'utf8');
  assert.deepEqual([...html.matchAll(/class="vega-spec" data-name="([^"]+)"/g)].map((m) => m[1]), ['error-vs-M', 'paired-difference']);
});
