/**
 * The compiled package (dist/, npm run build; npm test builds it first): bin/uhop runs it only when
 * it was built from the current sources, and it computes what the sources compute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { distIsCurrent, sourceStamp, stampPath } from '../bin/dist.mjs';

const work = mkdtempSync(join(tmpdir(), 'uhop-dist-'));
const built = existsSync('dist/cli/main.js');

function node(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('the build stamp: any edit under src/ or to a tsconfig makes dist/ stale, a mere touch does not', () => {
  const root = join(work, 'project');
  mkdirSync(join(root, 'src', 'a'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  const source = join(root, 'src', 'a', 'x.ts');
  writeFileSync(source, 'export const x = 1;\n');
  writeFileSync(join(root, 'tsconfig.json'), '{}');
  writeFileSync(join(root, 'tsconfig.build.json'), '{}');
  const stamp = () => writeFileSync(stampPath(root), JSON.stringify(sourceStamp(root)));
  assert.equal(distIsCurrent(root), false, 'no stamp: not current');
  stamp();
  assert.equal(distIsCurrent(root), true);
  // same size, written within the same timestamp tick as the stamp: caught by the content hash
  writeFileSync(source, 'export const x = 2;\n');
  assert.equal(distIsCurrent(root), false, 'edited source');
  stamp();
  writeFileSync(join(root, 'src', 'y.ts'), '');
  assert.equal(distIsCurrent(root), false, 'new source');
  stamp();
  writeFileSync(join(root, 'tsconfig.build.json'), '{"compilerOptions":{}}');
  assert.equal(distIsCurrent(root), false, 'edited tsconfig');
  // files older than the stamp are trusted by size and mtime; a touched file is hashed, and unchanged
  const old = new Date(Date.now() - 60_000);
  for (const file of [source, join(root, 'src', 'y.ts'), join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json')]) utimesSync(file, old, old);
  stamp();
  assert.equal(distIsCurrent(root), true, 'by mtime');
  utimesSync(source, new Date(), new Date());
  assert.equal(distIsCurrent(root), true, 'touched, same content');
  writeFileSync(source, 'export const x = 3;\n');
  utimesSync(source, new Date(Date.now() + 5000), new Date(Date.now() + 5000));
  assert.equal(distIsCurrent(root), false, 'edited after the stamp');
  rmSync(join(root, 'src', 'y.ts'));
  stamp();
  assert.equal(distIsCurrent(root), true);
  writeFileSync(stampPath(root), 'not json');
  assert.equal(distIsCurrent(root), false, 'a broken stamp is no stamp');
});

test('npm test built dist/ from the current sources', { skip: !built && 'dist/ not built (npm run build)' }, () => {
  assert.equal(distIsCurrent(), true, 'dist/ is stale: npm test runs `node scripts/build.mjs --if-stale` first');
  assert.ok(existsSync('dist/index.d.ts'), 'declarations are emitted');
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

test('another project linking uhop imports it by name and type-checks against its .d.ts', { skip: !built && 'dist/ not built' }, () => {
  const project = join(work, 'consumer');
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  symlinkSync(resolve('.'), join(project, 'node_modules', 'uhop'), 'dir');
  writeFileSync(join(project, 'package.json'), '{"type":"module"}');
  const out = join(project, 'results');
  writeFileSync(
    join(project, 'use.mjs'),
    `import { loadConfig, runExperiment, separations } from 'uhop';
const p = separations.sparsemax(Float32Array.from([-2, 0, 0.5]));
const config = loadConfig(${JSON.stringify(resolve('configs/mnist.json'))}, { set: ['seeds=1', 'memories=[10]', 'featureMap.epochs=3'] });
const { folder, records } = await runExperiment(config, { out: ${JSON.stringify(out)}, quiet: true });
console.log(JSON.stringify({ p, folder, models: records.map((r) => r.model) }));`,
  );
  const run = node([join(project, 'use.mjs')]);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(result.p, [0, 0.25, 0.75]);
  assert.equal(result.folder, out);
  assert.equal(result.models.length, 7);
  assert.ok(existsSync(join(out, 'cells.csv')));

  writeFileSync(
    join(project, 'good.ts'),
    `import { loadConfig, retrieve, separations, UserError, type ModelRecord, type RetrieveOptions } from 'uhop';
const p: number[] = separations.entmax([1, 2, 3], { alpha: 1.5 });
const options: RetrieveOptions = { separation: 'sparsemax', beta: 2, steps: 3 };
const states: number[][] = retrieve([[1, 0]], [[0.9, 0.1]], options).states;
const config = loadConfig({ name: 'x', memories: [10], models: [{ name: 'a', separation: 'poly', degree: 3 }] });
const lr: number = config.featureMap.lr;
const rows = (records: ModelRecord[]) => records.map((r) => r.error);
try { loadConfig('x.json'); } catch (e) { if (e instanceof UserError) console.log(e.issues.map((i) => i.path)); }
// @ts-expect-error: not a separation
void separations.softermax;
void p, states, lr, rows;
`,
  );
  writeFileSync(join(project, 'bad.ts'), `import { separations } from 'uhop';\nconst wrong: string = separations.softmax([1, 2]);\nvoid wrong;\n`);
  const tsconfig = (file: string) =>
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: [file] });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  writeFileSync(join(project, 'tsconfig.good.json'), tsconfig('good.ts'));
  const good = node([tsc, '-p', join(project, 'tsconfig.good.json')]);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  writeFileSync(join(project, 'tsconfig.bad.json'), tsconfig('bad.ts'));
  const bad = node([tsc, '-p', join(project, 'tsconfig.bad.json')]);
  assert.equal(bad.code, 2, 'a type error against the .d.ts is reported');
  assert.match(bad.stdout, /bad\.ts.*Type 'number\[\]' is not assignable to type 'string'/);
});

test('start-up: `uhop validate` loads no tfjs (it costs ~0.2 s even through require)', async () => {
  const { sourceGraph } = await import('../src/runs/sourceGraph.ts');
  for (const entry of ['src/cli/validate.ts']) {
    const graph = sourceGraph(resolve('.'), [entry]);
    assert.ok(!graph.files.includes('src/backend/tf.ts'), `${entry} imports src/backend/tf.ts statically`);
    assert.ok(!graph.packages.some((name) => name.startsWith('@tensorflow/')), `${entry} imports ${graph.packages.join(', ')}`);
  }
});
