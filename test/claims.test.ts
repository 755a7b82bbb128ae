import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { claimStatus } from '../src/reproduce/claims.ts';
import { cellsCsv, recordsFromCellsCsv } from '../src/output/tables.ts';
import type { ModelRecord } from '../src/experiments/records.ts';

const work = mkdtempSync(join(tmpdir(), 'uhop-claims-'));

function uhop(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/uhop', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** results/paper as a fresh clone has it: only the files git tracks (no manifest.json, no cells/). */
function committedPaperResults(): string {
  const listed = spawnSync('git', ['ls-files', '-z', 'results/paper'], { encoding: 'utf8' });
  assert.equal(listed.status, 0, `git ls-files: ${listed.stderr}`);
  const files = listed.stdout.split('\0').filter(Boolean);
  assert.ok(files.some((file) => file.endsWith('/cells.csv')), 'results/paper has committed cells.csv files');
  assert.ok(!files.some((file) => file.endsWith('manifest.json') || file.includes('/cells/')), 'manifests and cells/ are not committed');
  const root = mkdtempSync(join(work, 'clone-'));
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(file, join(root, file));
  }
  return join(root, 'results', 'paper');
}

test('claim status: pass, fail, fails as expected, unexpectedly passes', () => {
  assert.equal(claimStatus(true, 'pass'), 'pass');
  assert.equal(claimStatus(false, 'pass'), 'fail');
  assert.equal(claimStatus(false, 'fail'), 'fails as expected');
  assert.equal(claimStatus(true, 'fail'), 'unexpectedly passes');
});

/** A record as the cell cache's JSON holds it: NaN stored as null (cells.csv then writes it empty). */
function asCached(record: object): ModelRecord {
  const entries = Object.entries(record).map(([key, value]) => [key, typeof value === 'number' && Number.isNaN(value) ? null : value]);
  return { ...Object.fromEntries(entries), supportHistogram: [] } as ModelRecord;
}

test('cells.csv reads back to the records it was written from (written again: the same bytes)', () => {
  for (const folder of ['uhop-capacity-mnist', 'khm-metastable-synthetic', 'khm-phase-diagram']) {
    const text = readFileSync(join('results/paper', folder, 'cells.csv'), 'utf8');
    const records = recordsFromCellsCsv(text);
    assert.ok(records.length > 0);
    assert.equal(cellsCsv(records.map(asCached)), text, folder);
    assert.equal(typeof records[0].featureMap, 'boolean');
    assert.equal(typeof records[0].error, 'number');
  }
  const uhopRow = recordsFromCellsCsv(readFileSync('results/paper/uhop-capacity-mnist/cells.csv', 'utf8')).find((r) => r.featureMap)!;
  assert.equal(typeof uhopRow.sepLossFinal, 'number');
  const baseline = recordsFromCellsCsv(readFileSync('results/paper/uhop-capacity-mnist/cells.csv', 'utf8')).find((r) => !r.featureMap)!;
  assert.equal(baseline.sepLossFinal, null);
  // an empty number is NaN (endLabel of unlabelled data), an empty U-Hop-only column null
  const synthetic = recordsFromCellsCsv(readFileSync('results/paper/khm-metastable-synthetic/cells.csv', 'utf8'));
  assert.ok(synthetic.every((r) => Number.isNaN(r.endLabel)));
  assert.throws(() => recordsFromCellsCsv('model,M\nx,1\n'), /no column/);
});

test('uhop verify on the committed files alone (a fresh clone): every claim has a status, expected failures do not fail the run', () => {
  const paper = committedPaperResults();
  const run = uhop('verify', paper);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^fails as expected {2}uhop-noise-average\/uhop-beats-mhn-under-noise: /m);
  assert.match(run.stdout, /^pass {2}uhop-capacity-mnist\/softmax-beats-mhn: /m);
  assert.match(run.stdout, /claims: \d+ pass, \d+ fails as expected, 0 fail, 0 unexpectedly passes/);
  const rows = parse(readFileSync(join(paper, 'claims.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  assert.deepEqual(Object.keys(rows[0]), ['recipe', 'figure', 'claim', 'text', 'value', 'paper', 'expected', 'status']);
  assert.deepEqual([...new Set(rows.map((r) => r.status))].sort(), ['fails as expected', 'pass']);
  assert.ok(rows.filter((r) => r.expected === 'fail').every((r) => r.status === 'fails as expected'));
  assert.match(readFileSync(join(paper, 'claims.md'), 'utf8'), /\| uhop-noise-average \|.*\| fails as expected \|/);
  // the claims.md committed beside the results is the one verify writes from them
  assert.equal(readFileSync(join(paper, 'claims.md'), 'utf8'), readFileSync('results/paper/claims.md', 'utf8'));
});

test('uhop verify exits 1 when a claim expected to fail passes, and 2 when cells.csv is missing', () => {
  const paper = committedPaperResults();
  const runFile = join(paper, 'uhop-capacity-mnist', 'recipe-run.json');
  const run = JSON.parse(readFileSync(runFile, 'utf8'));
  // a recipe of another name keeps its stored claims (the current recipe's would replace them)
  run.recipe.name = 'capacity-with-wrong-expectation';
  run.recipe.claims.find((claim: { id: string }) => claim.id === 'softmax-beats-mhn').expected = 'fail';
  writeFileSync(runFile, JSON.stringify(run));
  const verify = uhop('verify', paper);
  assert.equal(verify.code, 1, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /^unexpectedly passes {2}capacity-with-wrong-expectation\/softmax-beats-mhn: /m);
  assert.match(readFileSync(join(paper, 'claims.md'), 'utf8'), /\*\*unexpectedly passes\*\*/);
  rmSync(join(paper, 'uhop-capacity-mnist', 'cells.csv'));
  const missing = uhop('verify', paper);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /uhop-capacity-mnist\/cells\.csv not found/);
});
