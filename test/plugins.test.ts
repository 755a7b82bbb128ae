import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import { applySeparationPlugin, PluginError, type PluginSet, type SeparationPlugin } from '../src/plugins/contract.ts';
import { loadPlugins, pluginFiles } from '../src/plugins/load.ts';
import { loadConfigWithPlugins } from '../src/plugins/configPlugins.ts';
import { loadConfig } from '../src/config/load.ts';
import { cellKey } from '../src/runs/cellKey.ts';
import { runCell } from '../src/experiments/cell.ts';
import { loadPool } from '../src/data/registry.ts';
import { poolFingerprint } from '../src/data/pool.ts';
import { UserError } from '../src/errors.ts';
import { backend } from './helpers.ts';

before(backend);

const work = mkdtempSync(join(tmpdir(), 'uhop-plugins-'));
mkdirSync(join(work, 'plugins'));

/** Writes a plugin module and a config next to it; returns the config path. */
function setup(name: string, plugins: Record<string, string>, config: Record<string, unknown>): string {
  for (const [file, source] of Object.entries(plugins)) writeFileSync(join(work, 'plugins', file), source);
  const path = join(work, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, memories: [8], seeds: [1], parity: 'official', featureMap: { epochs: 3 }, plugins: Object.keys(plugins).map((f) => `./plugins/${f}`), ...config }));
  return path;
}

const hardmax = `export const separations = {
  hardmax: (scores) => { const p = new Float32Array(scores.length); let k = 0;
    for (let i = 1; i < scores.length; i++) if (scores[i] > scores[k]) k = i; p[k] = 1; return p; },
};`;

const rowContext = { random: () => 0.5 };

function plugin(map: SeparationPlugin['map'], batch?: SeparationPlugin['batch']): SeparationPlugin {
  return { name: 'p', path: 'p.mjs', map, batch, sparse: false };
}

test('contract: the row form is called once per row, the batched form once, and their outputs are checked', () => {
  const scores = Float32Array.from([1, 3, 2, 0, -1, 5]);
  const rows: number[][] = [];
  const doubled = applySeparationPlugin(plugin((row) => (rows.push(Array.from(row)), row.map((v) => 2 * v))), scores, 2, 3, rowContext);
  assert.deepEqual(rows, [[1, 3, 2], [0, -1, 5]], 'one call per query row, in order');
  assert.deepEqual(Array.from(doubled), [2, 6, 4, 0, -2, 10]);
  const viaBatch = applySeparationPlugin(plugin(undefined, (all, [r, c]) => Array.from(all, (v, i) => v + (i % c) + r)), scores, 2, 3, rowContext);
  assert.deepEqual(Array.from(viaBatch), [3, 6, 6, 2, 2, 9]);
  const cases: Array<[SeparationPlugin['map'], RegExp]> = [
    [() => { throw new Error('kaboom'); }, /separation plugin "p" \(p\.mjs\) threw: kaboom/],
    [(row) => row.slice(1), /returned 2 values for a row of 3 scores \(expected 3\)/],
    [(row) => row.map((v, i) => (i === 1 ? NaN : v)), /non-finite value \(NaN\) at entry 1/],
    [(row) => row.map(() => Infinity), /non-finite value \(Infinity\)/],
    [() => 42 as unknown as number[], /returned number, not an array of 3 numbers/],
    [() => null as unknown as number[], /returned null/],
  ];
  for (const [map, message] of cases) assert.throws(() => applySeparationPlugin(plugin(map), scores, 2, 3, rowContext), (e: unknown) => e instanceof PluginError && message.test(e.message));
});

test('loading: function and object forms, sparse flag, .ts modules; clashes and malformed exports are user errors', async () => {
  const path = setup('forms', {
    'forms.ts': `export const separations = { flat: { batch: (s: Float32Array, [r, c]: [number, number]) => new Float32Array(r * c).fill(1 / c), sparse: true } };
export const similarities = { negsq: (q: Float32Array, m: Float32Array) => -q.reduce((a, v, i) => a + (v - m[i]) ** 2, 0) };
export const corruptions = { same: (image: Float32Array) => image };`,
  }, { models: [{ name: 'a', separation: 'flat', similarity: 'negsq' }], corruption: { type: 'plugin', name: 'same' } });
  const config = await loadConfigWithPlugins(path);
  const plugins = await loadPlugins(config.plugins);
  assert.equal(plugins.separations.get('flat')!.sparse, true);
  assert.equal(typeof plugins.separations.get('flat')!.batch, 'function');
  assert.equal(typeof plugins.similarities.get('negsq')!.map, 'function');
  assert.equal(config.plugins![0].path, './plugins/forms.ts');
  assert.match(config.plugins![0].sha256, /^[0-9a-f]{64}$/);

  const bad: Record<string, RegExp> = {
    'export const separations = { softmax: (s) => s };': /separation "softmax" clashes with the built-in/,
    'export const similarities = { dot: (q, m) => 0 };': /similarity "dot" clashes with the built-in/,
    'export const separations = [(s) => s];': /export "separations" must be an object of name → function/,
    'export const separations = { x: 3 };': /separations\.x: expected a function or \{ map \} \/ \{ batch \}, got number/,
    'export const separations = { x: { map: (s) => s, batch: (s) => s } };': /needs exactly one of map/,
    'export const separations = { x: { map: (s) => s, sparse: "yes" } };': /sparse must be true or false/,
    'export const separations = { x: { fn: (s) => s } };': /unknown key\(s\) fn/,
    'export const somethingElse = 1;': /exports none of separations, similarities, corruptions/,
    'export const separations = { "bad name": (s) => s };': /a name is letters, digits/,
    'export const separations = { x: (s) => s ': /could not be loaded/,
  };
  for (const [source, message] of Object.entries(bad)) {
    writeFileSync(join(work, 'plugins', 'bad.mjs'), source);
    await assert.rejects(loadPlugins(pluginFiles(['./plugins/bad.mjs'], join(work, 'x.json'))), (e: unknown) => e instanceof UserError && message.test(e.message), source);
  }
  writeFileSync(join(work, 'plugins', 'one.mjs'), 'export const separations = { twin: (s) => s };');
  writeFileSync(join(work, 'plugins', 'two.mjs'), 'export const separations = { twin: (s) => s };');
  await assert.rejects(loadPlugins(pluginFiles(['./plugins/one.mjs', './plugins/two.mjs'], join(work, 'x.json'))), /separation "twin" is also defined by \.\/plugins\/one\.mjs/);
  assert.throws(() => pluginFiles(['./plugins/missing.mjs'], join(work, 'x.json')), /plugins\.0 \(\.\/plugins\/missing\.mjs\): not found/);
  assert.throws(() => pluginFiles(['./plugins/x.py'], join(work, 'x.json')), /a plugin is a \.mjs, \.js, \.ts module/);
});

test('validation knows plugin names: an unknown name lists built-ins and plugins; an unused or unloaded plugin file is an error', async () => {
  const path = setup('names', { 'hardmax.mjs': hardmax }, { models: [{ name: 'h', separation: 'hardmax' }] });
  assert.equal((await loadConfigWithPlugins(path)).models[0].separation, 'hardmax');
  await assert.rejects(loadConfigWithPlugins(path, ['models.0.separation=hardmix']), (e: unknown) => {
    const message = (e as Error).message;
    return e instanceof UserError && /models\.0\.separation: unknown separation "hardmix"; built-ins: softmax, sparsemax/.test(message) && /plugins: hardmax \(\.\/plugins\/hardmax\.mjs\)/.test(message);
  });
  await assert.rejects(loadConfigWithPlugins(path, ['models.0.separation=softmax']), /plugins\.0: \.\/plugins\/hardmax\.mjs defines hardmax, none of which a model or the corruption uses/);
  await assert.rejects(loadConfigWithPlugins(path, ['models.0.similarity=hardmax']), /models\.0\.similarity: unknown similarity "hardmax"; built-ins: dot, l1, l2, cosine/);
  assert.throws(() => loadConfig(path), /plugins: plugin modules are not loaded/);
  await assert.rejects(loadConfigWithPlugins(path, ['corruption={"type":"plugin","name":"hardmax"}']), /corruption\.name: unknown corruption "hardmax"/);
});

test('the plugin source hash is part of the cell key: same source, same key; edited source, new key', async () => {
  const path = setup('hash', { 'hardmax.mjs': hardmax }, { models: [{ name: 'h', separation: 'hardmax' }] });
  const pool = poolFingerprint(loadPool({ name: 'mnist', balanced: false, scale: 'unit' }));
  const key = async () => cellKey(await loadConfigWithPlugins(path), { memories: 8, seed: 1 }, pool, 'wasm');
  const first = await key();
  assert.equal(await key(), first);
  writeFileSync(join(work, 'plugins', 'hardmax.mjs'), `${hardmax}\n// edited`);
  assert.notEqual(await key(), first);
  // the same source in another folder, under another file name, from a config of another name: same key
  mkdirSync(join(work, 'elsewhere', 'lib'), { recursive: true });
  writeFileSync(join(work, 'elsewhere', 'lib', 'argmax.mjs'), `${hardmax}\n// edited`);
  const moved = join(work, 'elsewhere', 'moved.json');
  writeFileSync(moved, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), name: 'moved', plugins: ['./lib/argmax.mjs'] }));
  assert.equal(cellKey(await loadConfigWithPlugins(moved), { memories: 8, seed: 1 }, pool, 'wasm'), await key(), 'where the file lies does not count');
});

test('in a cell: a plugin map gives the records a built-in would; a malformed plugin fails the cell naming model and plugin', async () => {
  const label = await backend();
  // hardmax (plugin) against sparsemax with a huge β: both put all weight on the top score
  const path = setup('cell', {
    'maps.mjs': `${hardmax}
export const similarities = { 'neg-l2': { batch: (q, m, { queries, memories, dim }) => {
  const out = new Float32Array(queries * memories);
  for (let a = 0; a < queries; a++) for (let b = 0; b < memories; b++) {
    let s = 0; for (let k = 0; k < dim; k++) s += (q[a * dim + k] - m[b * dim + k]) ** 2; out[a * memories + b] = -Math.sqrt(s); }
  return out; } } };
export const corruptions = { 'keep': { batch: (images) => images } };`,
  }, {
    parity: 'textbook',
    corruption: { type: 'plugin', name: 'keep' },
    models: [
      { name: 'hardmax', separation: 'hardmax' },
      { name: 'sparsemax cold', separation: 'sparsemax', beta: 1e4 },
      { name: 'neg-l2 plugin', similarity: 'neg-l2' },
      { name: 'l2 built-in', similarity: 'l2' },
    ],
  });
  const config = await loadConfigWithPlugins(path, ['corruption={"type":"plugin","name":"keep"}', 'memories=[12]']);
  const plugins = await loadPlugins(config.plugins);
  const pool = loadPool(config.dataset);
  const { records } = await runCell(config, pool, { memories: 12, seed: 1 }, label, undefined, undefined, plugins);
  const by = Object.fromEntries(records.map((r) => [r.model, r]));
  assert.equal(by.hardmax.separation, 'hardmax');
  assert.equal(by.hardmax.error, 0, 'clean queries, all weight on the query itself');
  assert.equal(by.hardmax.supportMean, 1);
  assert.equal(by.hardmax.exactRate, by['sparsemax cold'].exactRate);
  assert.ok(Math.abs(by['neg-l2 plugin'].error - by['l2 built-in'].error) < 1e-4, `${by['neg-l2 plugin'].error} vs ${by['l2 built-in'].error}`);
  assert.ok(Math.abs(by['neg-l2 plugin'].logitScale - by['l2 built-in'].logitScale) < 1e-3);

  const broken: PluginSet = {
    ...plugins,
    separations: new Map([...plugins.separations, ['hardmax', { name: 'hardmax', path: './plugins/maps.mjs', map: (s: Float32Array) => s.subarray(1), sparse: false }]]),
  };
  await assert.rejects(
    () => runCell(config, pool, { memories: 12, seed: 1 }, label, undefined, undefined, broken),
    (e: unknown) => (e as Error).name === 'CellFailure' && /model "hardmax": separation plugin "hardmax" \(\.\/plugins\/maps\.mjs\) returned 11 values/.test((e as Error).message),
  );
  const throwing: PluginSet = { ...plugins, corruptions: new Map([['keep', { name: 'keep', path: 'k.mjs', map: () => { throw new Error('no'); } }]]) };
  await assert.rejects(() => runCell(config, pool, { memories: 12, seed: 1 }, label, undefined, undefined, throwing), /queries: corruption plugin "keep" \(k\.mjs\) threw: no/);
});

test('uhop run: a hardmax plugin end to end in worker threads; editing the plugin recomputes its cells; a throwing plugin fails them (exit 1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'uhop-plugin-run-'));
  mkdirSync(join(dir, 'plugins'));
  writeFileSync(join(dir, 'plugins', 'hardmax.mjs'), hardmax);
  const config = join(dir, 'hardmax.json');
  writeFileSync(config, JSON.stringify({ name: 'hardmax', plugins: ['./plugins/hardmax.mjs'], memories: [6], seeds: 2, featureMap: { epochs: 3 }, models: [{ name: 'softmax' }, { name: 'hardmax', separation: 'hardmax' }, { name: 'U-Hop hardmax', separation: 'hardmax', featureMap: true }] }));
  const out = join(dir, 'out');
  const run = (workers = 1) => {
    const result = spawnSync(process.execPath, ['bin/uhop', 'run', config, '--out', out, '--workers', String(workers), '--quiet'], { encoding: 'utf8' });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { cells: { cached: number; ran: number } };
    return { code: result.status, stderr: result.stderr, ...manifest.cells };
  };
  const first = run(2);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual([first.cached, first.ran], [0, 2]);
  const rows = parse(readFileSync(join(out, 'cells.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  assert.deepEqual(rows.filter((r) => r.separation === 'hardmax').map((r) => r.model), ['hardmax', 'U-Hop hardmax', 'hardmax', 'U-Hop hardmax']);
  assert.ok(rows.every((r) => r.separation !== 'hardmax' || (r.supportMean === '1' && r.metastableShare === '0')));
  const again = run();
  assert.deepEqual([again.cached, again.ran], [2, 0], 'unchanged plugin: cached');
  writeFileSync(join(dir, 'plugins', 'hardmax.mjs'), `${hardmax}\n// a comment is an edit too`);
  const edited = run();
  assert.deepEqual([edited.code, edited.cached, edited.ran], [0, 0, 2], 'edited plugin: its cells recompute');
  writeFileSync(join(dir, 'plugins', 'hardmax.mjs'), 'export const separations = { hardmax: () => { throw new Error("not today"); } };');
  const failing = run(2);
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /model "hardmax": separation plugin "hardmax" \(\.\/plugins\/hardmax\.mjs\) threw: not today/);
  assert.match(readFileSync(join(out, 'failed.csv'), 'utf8'), /separation plugin ""hardmax""/);
});
