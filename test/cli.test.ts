import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { resultFiles } from '../src/output/writeResults.ts';
import { cellColumns } from '../src/output/tables.ts';

const work = mkdtempSync(join(tmpdir(), 'uhop-cli-'));

function uhop(...args: string[]) {
  return uhopWith({}, ...args);
}

function uhopWith(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/uhop', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const small = ['--set', 'memories=[6,12]', '--set', 'seeds=2', '--set', 'featureMap.epochs=5', '--quiet'];

test('a bad config exits with code 2, names each problem by path, and prints no stack trace', () => {
  const file = join(work, 'bad.yaml');
  writeFileSync(file, 'name: bad\nmemories: [10]\nmodels:\n  - name: a\n    separation: softermax\nretrieval:\n  steps: 0\n');
  const { code, stderr } = uhop('run', file);
  assert.equal(code, 2);
  assert.match(stderr, /models\.0\.separation/);
  assert.match(stderr, /retrieval\.steps/);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  const unknown = uhop('validate', 'configs/mnist.json', '--set', 'featureMap.epoch=3');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /featureMap: Unrecognized key: "epoch"/);
  assert.equal(uhop('run', join(work, 'missing.json')).code, 2);
});

test('validate lists the settings no model uses; a conflicting pair exits 2 naming both fields', () => {
  const unused = uhop('validate', 'configs/mnist.json', '--set', 'models=[{"name":"MHN"}]');
  assert.equal(unused.code, 0, unused.stderr);
  assert.match(unused.stdout, /unused .*\n  - featureMap: no model has featureMap: true/);
  const conflict = uhop('validate', 'configs/mnist.json', '--set', 'queries.count=5');
  assert.equal(conflict.code, 2);
  assert.match(conflict.stderr, /queries\.count: .*queries\.from is "memories"/);
});

test('validate accepts YAML, schema prints JSON Schema, --dry-run runs nothing', () => {
  const validate = uhop('validate', 'configs/mnist.yaml');
  assert.equal(validate.code, 0, validate.stderr);
  assert.match(validate.stdout, /60 cells/);
  const schema = uhop('schema');
  assert.equal(schema.code, 0);
  assert.equal(JSON.parse(schema.stdout).type, 'object');
  const out = join(work, 'dry');
  const dry = uhop('run', 'configs/mnist.json', '--dry-run', '--out', out, ...small);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /4 cells/);
  assert.equal(existsSync(out), false);
});

test('a small end-to-end run writes every result file, with the documented columns, reproducibly', () => {
  const first = join(work, 'run1');
  const second = join(work, 'run2');
  for (const out of [first, second]) {
    const run = uhop('run', 'configs/mnist.json', '--out', out, ...small);
    assert.equal(run.code, 0, run.stderr);
  }
  for (const name of resultFiles) assert.ok(existsSync(join(first, name)), `${name} missing`);
  const csv = readFileSync(join(first, 'cells.csv'), 'utf8');
  assert.equal(csv, readFileSync(join(second, 'cells.csv'), 'utf8'), 'same config and seeds → identical cells.csv');
  const rows = parse(csv, { columns: true }) as Record<string, string>[];
  assert.deepEqual(Object.keys(rows[0]), cellColumns);
  assert.equal(rows.length, 7 * 2 * 2, '7 models × 2 M × 2 seeds');
  for (const row of rows) {
    assert.ok(Number.isFinite(Number(row.error)) && Number(row.error) >= 0, `${row.model}: error ${row.error}`);
    assert.equal(row.featureMap === 'true', row.model.startsWith('U-Hop'));
    assert.equal(row.sepLossFinal === '', !row.model.startsWith('U-Hop'));
  }
  const summary = parse(readFileSync(join(first, 'summary.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  assert.equal(summary.length, 7 * 2);
  assert.deepEqual(Object.keys(summary[0]).slice(0, 11), ['model', 'featureDim', 'M', 'n', 'errorMean', 'errorStd', 'errorMedian', 'errorMin', 'errorMax', 'errorCiLow', 'errorCiHigh']);
  assert.match(readFileSync(join(first, 'error-vs-M.svg'), 'utf8'), /^<svg/);
  assert.deepEqual([...readFileSync(join(first, 'error-vs-M.png')).subarray(1, 4)], [...Buffer.from('PNG')]);
  const resolved = JSON.parse(readFileSync(join(first, 'config.resolved.json'), 'utf8'));
  assert.deepEqual(resolved.memories, [6, 12]);
  assert.equal(resolved.retrieval.betaPlacement, 'output');
  const manifest = JSON.parse(readFileSync(join(first, 'manifest.json'), 'utf8'));
  assert.ok(manifest.backend.choice);
  assert.ok(manifest.startedAt <= manifest.finishedAt);
  assert.match(readFileSync(join(first, 'summary.md'), 'utf8'), /\| U-Hop softmax \|/);
});

test('timings.csv has one row per model × D_Φ × M × seed (featureDim column), as cells.csv', () => {
  const out = join(work, 'timings');
  const run = uhop('run', 'configs/phase-diagram.json', '--out', out, '--set', 'memories=[4]', '--set', 'seeds=1', '--set', 'featureMap.dim=[2,3]', '--set', 'featureMap.epochs=1', '--quiet');
  assert.equal(run.code, 0, run.stderr);
  const timings = parse(readFileSync(join(out, 'timings.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  const cells = parse(readFileSync(join(out, 'cells.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  assert.deepEqual(Object.keys(timings[0]), ['model', 'featureDim', 'M', 'seed', 'stageIMs', 'retrievalMs']);
  const key = (row: Record<string, string>) => [row.model, row.featureDim, row.M, row.seed].join('/');
  assert.equal(new Set(timings.map(key)).size, timings.length, 'no two timings rows with the same keys');
  assert.deepEqual(timings.map(key).sort(), cells.map(key).sort());
  assert.deepEqual([...new Set(timings.map((row) => row.featureDim))].sort(), ['2', '3']);
});

test('without a BLAS (UHOP_BLAS=off) the same run works on plain wasm and agrees with the BLAS run', () => {
  const plain = join(work, 'plain');
  const run = uhopWith({ UHOP_BLAS: 'off' }, 'run', 'configs/mnist.json', '--out', plain, ...small);
  assert.equal(run.code, 0, run.stderr);
  const manifest = JSON.parse(readFileSync(join(plain, 'manifest.json'), 'utf8'));
  assert.equal(manifest.backend.blas, null);
  const plainRows = parse(readFileSync(join(plain, 'cells.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  assert.ok(plainRows.every((row) => !row.backend.includes('blas')));
  const reference = parse(readFileSync(join(work, 'run1', 'cells.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  plainRows.forEach((row, i) => {
    const [a, b] = [Number(row.error), Number(reference[i].error)];
    assert.ok(Math.abs(a - b) <= 1e-3 * Math.max(1, Math.abs(b)), `${row.model} M=${row.M} seed=${row.seed}: ${a} vs ${b}`);
  });
});
