import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const codeCache = fileURLToPath(new URL('../src/io/codeCache.ts', import.meta.url));

/** A fake @tensorflow package (requiring a sibling file and a plain package) in a fresh folder. */
function fakePackages(): string {
  const root = mkdtempSync(join(tmpdir(), 'uhop-code-cache-'));
  const tfjs = join(root, 'node_modules', '@tensorflow', 'fake');
  mkdirSync(tfjs, { recursive: true });
  writeFileSync(join(tfjs, 'part.js'), 'exports.twice = (x) => 2 * x;\n');
  writeFileSync(
    join(tfjs, 'index.js'),
    "const { twice } = require('./part.js');\nmodule.exports = { value: twice(21), file: __filename, folder: __dirname, sameExports: this === exports, other: require('plain') };\n",
  );
  const plain = join(root, 'node_modules', 'plain');
  mkdirSync(plain, { recursive: true });
  writeFileSync(join(plain, 'index.js'), "module.exports = 'plain';\n");
  return root;
}

/**
 * Requires the fake package through the cache in a new process (in this one, V8's own in-memory
 * compilation cache would answer before any cached data is looked at) and returns what it saw.
 */
function loadInChild(root: string, folder: string, env: Record<string, string> = {}): { loaded: Record<string, unknown>; use: { hits: number; writes: number } } {
  const script = `
    import { createRequire } from 'node:module';
    import { join } from 'node:path';
    const { codeCacheUse, withTfjsCodeCache } = await import(${JSON.stringify(codeCache)});
    const root = ${JSON.stringify(root)};
    const loaded = withTfjsCodeCache(() => createRequire(join(root, 'index.js'))('@tensorflow/fake'), ${JSON.stringify(folder)});
    console.log(JSON.stringify({ loaded, use: codeCacheUse }));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

test('tfjs bundles compile from the code cache: CommonJS as usual, files written once, read the next time', () => {
  const root = fakePackages();
  const folder = join(root, 'cache');
  const tfjsFolder = join(root, 'node_modules', '@tensorflow', 'fake');
  const first = loadInChild(root, folder);
  assert.deepEqual(first.loaded, { value: 42, file: join(tfjsFolder, 'index.js'), folder: tfjsFolder, sameExports: true, other: 'plain' });
  // index.js and part.js, not the plain package
  assert.deepEqual(first.use, { hits: 0, writes: 2 });
  assert.equal(readdirSync(folder).length, 2);
  const second = loadInChild(root, folder);
  assert.deepEqual(second.loaded, first.loaded);
  assert.deepEqual(second.use, { hits: 2, writes: 0 });
});

test('a damaged cache file is never handed to V8 (one flipped bit could abort it): compiled as usual, rewritten', () => {
  const root = fakePackages();
  const folder = join(root, 'cache');
  loadInChild(root, folder);
  const [first, second] = readdirSync(folder);
  writeFileSync(join(folder, first), 'not a code cache');
  const bytes = readFileSync(join(folder, second));
  bytes[bytes.length - 9] ^= 0x10;
  writeFileSync(join(folder, second), bytes);
  const damaged = loadInChild(root, folder);
  assert.equal(damaged.loaded.value, 42);
  assert.deepEqual(damaged.use, { hits: 0, writes: 2 });
  assert.deepEqual(loadInChild(root, folder).use, { hits: 2, writes: 0 });
});

test('a bundle edited to a source of the same length is another entry (V8 checks only the length)', () => {
  const root = fakePackages();
  const folder = join(root, 'cache');
  assert.equal(loadInChild(root, folder).loaded.value, 42);
  writeFileSync(join(root, 'node_modules', '@tensorflow', 'fake', 'part.js'), 'exports.twice = (x) => 3 * x;\n');
  const edited = loadInChild(root, folder);
  assert.equal(edited.loaded.value, 63);
  assert.deepEqual(edited.use, { hits: 1, writes: 1 }, 'index.js from the cache, part.js compiled anew');
});

test('UHOP_CODE_CACHE=off, or a cache folder that cannot be written: plain compiles, nothing written', () => {
  const root = fakePackages();
  const off = loadInChild(root, join(root, 'off'), { UHOP_CODE_CACHE: 'off' });
  assert.equal(off.loaded.value, 42);
  assert.deepEqual(off.use, { hits: 0, writes: 0 });
  assert.ok(!readdirSync(root).includes('off'));
  // a file where the folder should be: writing fails, loading does not
  writeFileSync(join(root, 'blocked'), '');
  const blocked = loadInChild(root, join(root, 'blocked', 'cache'));
  assert.equal(blocked.loaded.value, 42);
  assert.deepEqual(blocked.use, { hits: 0, writes: 0 });
});
