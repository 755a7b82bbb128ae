/**
 * The compiled package (dist/, npm run build; npm test builds it first): bin/uhop runs it only when
 * it was built from the current sources, and it computes what the sources compute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distIsCurrent, sourceStamp, stampPath } from '../bin/dist.mjs';

const work = mkdtempSync(join(tmpdir(), 'uhop-dist-'));
const built = existsSync('dist/cli/main.js');

function node(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('the build stamp changes with any file under src/ and with the tsconfig files', () => {
  const root = join(work, 'project');
  mkdirSync(join(root, 'src', 'a'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  writeFileSync(join(root, 'src', 'a', 'x.ts'), 'export const x = 1;\n');
  writeFileSync(join(root, 'tsconfig.json'), '{}');
  writeFileSync(join(root, 'tsconfig.build.json'), '{}');
  assert.equal(distIsCurrent(root), false, 'no stamp: not current');
  writeFileSync(stampPath(root), `${sourceStamp(root)}\n`);
  assert.equal(distIsCurrent(root), true);
  writeFileSync(join(root, 'src', 'a', 'x.ts'), 'export const x = 2;\n');
  assert.equal(distIsCurrent(root), false, 'edited source');
  writeFileSync(stampPath(root), `${sourceStamp(root)}\n`);
  writeFileSync(join(root, 'src', 'y.ts'), '');
  assert.equal(distIsCurrent(root), false, 'new source');
  writeFileSync(stampPath(root), `${sourceStamp(root)}\n`);
  writeFileSync(join(root, 'tsconfig.build.json'), '{"compilerOptions":{}}');
  assert.equal(distIsCurrent(root), false, 'edited tsconfig');
});

test('npm test built dist/ from the current sources', { skip: !built && 'dist/ not built (npm run build)' }, () => {
  assert.equal(distIsCurrent(), true, 'dist/ is stale: npm test runs `node scripts/build.mjs --if-stale` first');
  assert.ok(existsSync('dist/index.d.ts') || !existsSync('src/index.ts'), 'declarations are emitted');
});

test('bin/uhop runs dist/ when current (no tsx loaded), the sources through tsx with UHOP_DEV=1', { skip: !built && 'dist/ not built' }, () => {
  const compiled = node(['bin/uhop', '--help'], { NODE_DEBUG: 'esm' });
  assert.equal(compiled.code, 0, compiled.stderr);
  assert.match(compiled.stdout, /Usage: uhop/);
  assert.match(compiled.stderr, /dist\/cli\/main\.js/);
  assert.doesNotMatch(compiled.stderr, /node_modules\/tsx\//);
  const sources = node(['bin/uhop', '--help'], { NODE_DEBUG: 'esm', UHOP_DEV: '1' });
  assert.equal(sources.code, 0, sources.stderr);
  assert.match(sources.stderr, /src\/cli\/main\.ts/);
  assert.doesNotMatch(sources.stderr, /dist\/cli\/main\.js/);
});

test('the compiled CLI validates, and runs cells in worker threads byte for byte as the sources do', { skip: !built && 'dist/ not built' }, () => {
  const validate = node(['dist/cli/main.js', 'validate', 'configs/mnist.json']);
  assert.equal(validate.code, 0, validate.stderr);
  assert.match(validate.stdout, /60 cells/);
  const bad = node(['dist/cli/main.js', 'validate', 'configs/mnist.json', '--set', 'retrieval.steps=0']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /retrieval\.steps/);
  const small = ['configs/mnist.json', '--set', 'memories=[6,8]', '--set', 'seeds=1', '--set', 'featureMap.epochs=5', '--quiet'];
  const compiled = node(['dist/cli/main.js', 'run', ...small, '--out', join(work, 'compiled'), '--workers', '2']);
  assert.equal(compiled.code, 0, compiled.stderr);
  const sources = node(['bin/uhop', 'run', ...small, '--out', join(work, 'sources'), '--workers', '1'], { UHOP_DEV: '1' });
  assert.equal(sources.code, 0, sources.stderr);
  const cells = (dir: string) => readFileSync(join(work, dir, 'cells.csv'), 'utf8');
  assert.ok(cells('compiled').split('\n').length > 3);
  assert.equal(cells('compiled'), cells('sources'), 'same cells');
  // the cell keys (the stored cells' names) hash src/'s math sources, also from dist/
  assert.deepEqual(readdirSync(join(work, 'compiled', 'cells')), readdirSync(join(work, 'sources', 'cells')));
  // paper recipes resolve configs/paper from dist/ as from src/
  const list = node(['dist/cli/main.js', 'reproduce', '--list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /uhop-capacity-mnist/);
});
