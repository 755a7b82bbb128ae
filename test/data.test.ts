import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadIdxPool } from '../src/data/idxDataset.ts';
import { loadCifarPool } from '../src/data/cifar10.ts';
import { clusterPool, spherePool } from '../src/data/synthetic.ts';
import { selectMemoryIndices } from '../src/data/memorySet.ts';
import { debianFashionMnistFolder } from '../src/data/locate.ts';
import { fetchDataset } from '../src/data/fetch.ts';
import type { CatalogDataset } from '../src/data/catalog.ts';
import { UserError } from '../src/errors.ts';
import { rngFor } from '../src/random/prng.ts';
import { readNumberArrayField } from '../src/data/jsonNumbers.ts';
import { loadMnistNpm } from '../src/data/mnist.ts';

const work = mkdtempSync(join(tmpdir(), 'uhop-data-'));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** An IDX file: magic, big-endian dims, bytes. */
function idx(magic: number, dims: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** A 3-image 2×2 MNIST-like split in `folder`, gzipped or not. */
function writeIdxSplit(folder: string, prefix: string, gzip: boolean, first = 0): void {
  mkdirSync(folder, { recursive: true });
  const images = idx(0x803, [3, 2, 2], [first, 255, 0, 51, 102, 153, 204, 255, 0, 0, 0, 255]);
  const labels = idx(0x801, [3], [7, 1, 4]);
  const ext = gzip ? '.gz' : '';
  writeFileSync(join(folder, `${prefix}-images-idx3-ubyte${ext}`), gzip ? gzipSync(images) : images);
  writeFileSync(join(folder, `${prefix}-labels-idx1-ubyte${ext}`), gzip ? gzipSync(labels) : labels);
}

const expectUserError = (run: () => unknown, pattern: RegExp) =>
  assert.throws(run, (error: unknown) => error instanceof UserError && pattern.test(error.message));

test('IDX files, gzipped or not, load as [0,1] (or [-1,1]) pixels with labels', () => {
  const dir = join(work, 'idx');
  writeIdxSplit(join(dir, 'mnist-full'), 'train', true);
  writeIdxSplit(join(dir, 'mnist-full'), 't10k', false);
  const train = loadIdxPool({ name: 'mnist-full', split: 'train', scale: 'unit' }, dir);
  assert.equal(train.count, 3);
  assert.equal(train.dim, 4);
  assert.deepEqual(Array.from(train.labels), [7, 1, 4]);
  assert.deepEqual(Array.from(train.images.subarray(0, 4)), [0, 1, 0, 51 / 255].map(Math.fround));
  assert.equal(train.files.length, 2);
  const test = loadIdxPool({ name: 'mnist-full', split: 'test', scale: 'symmetric' }, dir);
  assert.deepEqual(Array.from(test.images.subarray(0, 2)), [-1, 1]);
});

test('corrupt IDX files: wrong magic, truncated data, broken gzip each name the file and the problem', () => {
  const magic = join(work, 'bad-magic');
  writeIdxSplit(join(magic, 'mnist-full'), 'train', false);
  writeFileSync(join(magic, 'mnist-full', 'train-images-idx3-ubyte'), idx(0x801, [3], [1, 2, 3]));
  expectUserError(() => loadIdxPool({ name: 'mnist-full', split: 'train', scale: 'unit' }, magic), /train-images-idx3-ubyte: wrong magic number 0x00000801, expected 0x00000803/);
  const truncated = join(work, 'truncated');
  writeIdxSplit(join(truncated, 'mnist-full'), 'train', false);
  const full = readFileSync(join(truncated, 'mnist-full', 'train-images-idx3-ubyte'));
  writeFileSync(join(truncated, 'mnist-full', 'train-images-idx3-ubyte'), full.subarray(0, full.length - 3));
  expectUserError(() => loadIdxPool({ name: 'mnist-full', split: 'train', scale: 'unit' }, truncated), /truncated or corrupt/);
  const gz = join(work, 'bad-gzip');
  writeIdxSplit(join(gz, 'mnist-full'), 'train', true);
  const zipped = readFileSync(join(gz, 'mnist-full', 'train-images-idx3-ubyte.gz'));
  writeFileSync(join(gz, 'mnist-full', 'train-images-idx3-ubyte.gz'), zipped.subarray(0, 20));
  expectUserError(() => loadIdxPool({ name: 'mnist-full', split: 'train', scale: 'unit' }, gz), /corrupt or truncated gzip file[\s\S]*uhop data fetch mnist-full/);
});

test('search order: --data-dir, then UHOP_DATA_DIR; a missing dataset names every place searched and the command', () => {
  const cli = join(work, 'order-cli');
  const env = join(work, 'order-env');
  writeIdxSplit(join(cli, 'mnist-full'), 'train', false, 11);
  writeIdxSplit(join(env, 'mnist-full'), 'train', false, 22);
  const saved = process.env.UHOP_DATA_DIR;
  process.env.UHOP_DATA_DIR = env;
  try {
    assert.equal(loadIdxPool({ name: 'mnist-full', split: 'train', scale: 'unit' }, cli).images[0], Math.fround(11 / 255));
    assert.equal(loadIdxPool({ name: 'mnist-full', split: 'train', scale: 'unit' }).images[0], Math.fround(22 / 255));
    const empty = join(work, 'empty');
    expectUserError(
      () => loadIdxPool({ name: 'mnist-full', split: 'test', scale: 'unit' }, empty),
      new RegExp(`files not found: t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz[\\s\\S]*${empty}/mnist-full[\\s\\S]*${env}[\\s\\S]*npx uhop data fetch mnist-full`),
    );
  } finally {
    if (saved === undefined) delete process.env.UHOP_DATA_DIR;
    else process.env.UHOP_DATA_DIR = saved;
  }
});

/** CIFAR-10 fixture: 5 train files of 2 records each; pixel value = (channel, pixel) pattern. */
function writeCifar(folder: string): void {
  mkdirSync(folder, { recursive: true });
  for (let f = 1; f <= 5; f++) {
    const records = [0, 1].map((r) => {
      const record = Buffer.alloc(3073);
      record[0] = (2 * (f - 1) + r) % 10;
      for (let c = 0; c < 3; c++) for (let i = 0; i < 1024; i++) record[1 + c * 1024 + i] = c === 0 ? i % 256 : c === 1 ? 100 : 200;
      return record;
    });
    writeFileSync(join(folder, `data_batch_${f}.bin`), Buffer.concat(records));
  }
}

test('CIFAR-10 binary: records, labels, CHW and HWC layouts, grayscale, and a truncated file', () => {
  const dir = join(work, 'cifar');
  writeCifar(join(dir, 'cifar10', 'cifar-10-batches-bin'));
  const chw = loadCifarPool({ split: 'train', scale: 'unit', layout: 'chw', grayscale: false }, dir);
  assert.equal(chw.count, 10);
  assert.equal(chw.dim, 3072);
  assert.deepEqual(Array.from(chw.labels), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(chw.images[5], Math.fround(5 / 255)); // red plane first
  assert.equal(chw.images[1024], Math.fround(100 / 255));
  const hwc = loadCifarPool({ split: 'train', scale: 'unit', layout: 'hwc', grayscale: false }, dir);
  assert.deepEqual(Array.from(hwc.images.subarray(3 * 5, 3 * 5 + 3)), [5 / 255, 100 / 255, 200 / 255].map(Math.fround));
  const gray = loadCifarPool({ split: 'train', scale: 'unit', layout: 'chw', grayscale: true }, dir);
  assert.equal(gray.dim, 1024);
  assert.equal(gray.images[5], Math.fround(Math.round(0.299 * 5 + 0.587 * 100 + 0.114 * 200) / 255));
  const bad = join(work, 'cifar-bad');
  writeCifar(join(bad, 'cifar10'));
  writeFileSync(join(bad, 'cifar10', 'data_batch_3.bin'), Buffer.alloc(3073 + 10));
  expectUserError(() => loadCifarPool({ split: 'train', scale: 'unit', layout: 'chw', grayscale: false }, bad), /data_batch_3\.bin: 3083 bytes is not a whole number of 3073-byte CIFAR-10 records/);
});

test('uhop run configs/cifar10.json runs from a folder of CIFAR-10 binary files (--data-dir)', async () => {
  const dir = join(work, 'cifar-run');
  writeCifar(join(dir, 'cifar10', 'cifar-10-batches-bin'));
  const out = join(work, 'cifar-out');
  const child = spawn(process.execPath, [
    'bin/uhop', 'run', 'configs/cifar10.json', '--data-dir', dir, '--set', 'memories=[4]', '--set', 'seeds=1',
    '--set', 'featureMap.epochs=2', '--out', out, '--quiet', '--workers', '1',
  ]);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  assert.equal(await new Promise((resolve) => child.on('close', resolve)), 0, stderr);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual([manifest.dataset.name, manifest.dataset.count, manifest.dataset.dim], ['cifar10', 10, 3072]);
  assert.equal(manifest.dataset.files.length, 5);
  assert.match(readFileSync(join(out, 'cells.csv'), 'utf8'), /U-Hop softmax,cifar10,4,1/);
});

test('synthetic pools: unit norm, reproducible per seed, different across seeds; balanced memory sets', () => {
  const sphere = spherePool({ dim: 7, count: 50, seed: 3 });
  for (let i = 0; i < 50; i++) {
    const norm = Math.hypot(...sphere.images.subarray(i * 7, (i + 1) * 7));
    assert.ok(Math.abs(norm - 1) < 1e-6, `point ${i}: norm ${norm}`);
  }
  assert.deepEqual(spherePool({ dim: 7, count: 50, seed: 3 }).images, sphere.images);
  assert.notDeepEqual(spherePool({ dim: 7, count: 50, seed: 4 }).images, sphere.images);
  const clusters = clusterPool({ dim: 16, count: 100, seed: 1, clusters: 4, spread: 0.1 });
  const cos = (a: number, b: number) => clusters.images.subarray(a * 16, a * 16 + 16).reduce((s, v, k) => s + v * clusters.images[b * 16 + k], 0);
  assert.ok(cos(0, 4) > 0.9, 'same cluster: close');
  assert.ok(cos(0, 1) < cos(0, 4), 'other cluster: farther');
  const chosen = selectMemoryIndices(clusters, 10, rngFor(1, 'memory-set'), undefined, true);
  const counts = [0, 1, 2, 3].map((c) => Array.from(chosen).filter((i) => clusters.labels[i] === c).length);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `class counts ${counts}`);
  assert.equal(new Set(chosen).size, 10);
});

/** A loopback HTTP server with Range support; records the request headers. */
async function serve(files: Record<string, Buffer>): Promise<{ url: string; requests: IncomingHttpHeaders[]; close(): void }> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    requests.push(request.headers);
    const body = files[(request.url ?? '').slice(1)];
    if (!body) return void response.writeHead(404).end();
    const range = /bytes=(\d+)-/.exec(request.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      if (start >= body.length) return void response.writeHead(416).end();
      response.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
      return void response.end(body.subarray(start));
    }
    response.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests, close: () => server.close() };
}

test('data fetch against a loopback server: download, verify, resume a partial file, refuse a checksum mismatch', async () => {
  const images = gzipSync(idx(0x803, [1, 2, 2], [1, 2, 3, 4]));
  const labels = gzipSync(idx(0x801, [1], [5]));
  const server = await serve({ 'train-images-idx3-ubyte.gz': images, 'train-labels-idx1-ubyte.gz': labels, 'bad.gz': Buffer.from('not it') });
  const fixture: CatalogDataset = {
    name: 'mnist-full',
    url: server.url,
    splits: {
      train: [
        { name: 'train-images-idx3-ubyte.gz', sha256: sha256(images) },
        { name: 'train-labels-idx1-ubyte.gz', sha256: sha256(labels) },
      ],
      test: [],
    },
    subfolders: [''],
    alternatives: [],
  };
  try {
    const dataDir = join(work, 'fetched');
    mkdirSync(join(dataDir, 'mnist-full'), { recursive: true });
    writeFileSync(join(dataDir, 'mnist-full', 'train-images-idx3-ubyte.gz.part'), images.subarray(0, 10)); // an interrupted download
    const folder = await fetchDataset(fixture, { dataDir, splits: ['train'] });
    assert.deepEqual(readFileSync(join(folder, 'train-images-idx3-ubyte.gz')), images);
    assert.equal(server.requests[0].range, 'bytes=10-', 'the partial download is resumed');
    assert.equal(existsSync(join(folder, 'train-images-idx3-ubyte.gz.part')), false);
    assert.equal(loadIdxPool({ name: 'mnist-full', split: 'train', scale: 'unit' }, dataDir).labels[0], 5);
    const before = server.requests.length;
    await fetchDataset(fixture, { dataDir, splits: ['train'] });
    assert.equal(server.requests.length, before, 'verified files are not downloaded again');
    const wrong: CatalogDataset = { ...fixture, splits: { train: [{ name: 'bad.gz', sha256: sha256(images) }], test: [] } };
    await assert.rejects(fetchDataset(wrong, { dataDir, splits: ['train'] }), /bad\.gz: checksum mismatch .*nothing was installed/);
    assert.equal(existsSync(join(dataDir, 'mnist-full', 'bad.gz')), false);
    assert.equal(existsSync(join(dataDir, 'mnist-full', 'bad.gz.part')), false);
  } finally {
    server.close();
  }
});

test('uhop data fetch from a mirror with the wrong files exits 2 with the checksum message; data list tells what is there', async () => {
  const server = await serve({ 'train-images-idx3-ubyte.gz': Buffer.from('junk'), 'train-labels-idx1-ubyte.gz': Buffer.from('junk') });
  try {
    const dataDir = join(work, 'cli-fetch');
    const child = spawn(process.execPath, ['bin/uhop', 'data', 'fetch', 'mnist-full', '--mirror', server.url, '--data-dir', dataDir, '--split', 'train']);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /train-images-idx3-ubyte\.gz: checksum mismatch/);
  } finally {
    server.close();
  }
  const dir = join(work, 'listed');
  writeIdxSplit(join(dir, 'mnist-full'), 'train', true);
  const list = spawn(process.execPath, ['bin/uhop', 'data', 'list', '--data-dir', dir]);
  let stdout = '';
  list.stdout.on('data', (chunk) => (stdout += chunk));
  assert.equal(await new Promise((resolve) => list.on('close', resolve)), 0);
  assert.match(stdout, new RegExp(`mnist-full +train +yes .*MISMATCH +${dir}/mnist-full`));
  assert.match(stdout, /mnist-full +test +no .*npx uhop data fetch mnist-full/);
  assert.match(stdout, /synthetic-sphere +- +yes/);
});

test('Fashion-MNIST from the Debian package runs a tiny cell', { skip: debianFashionMnistFolder() ? false : 'dataset-fashion-mnist is not installed' }, async () => {
  const child = spawn(process.execPath, [
    'bin/uhop', 'run', 'configs/fashion-mnist.json', '--set', 'memories=[10]', '--set', 'seeds=1', '--set', 'featureMap.epochs=5',
    '--out', join(work, 'fashion'), '--quiet', '--workers', '1',
  ]);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  assert.equal(await new Promise((resolve) => child.on('close', resolve)), 0, stderr);
  const manifest = JSON.parse(readFileSync(join(work, 'fashion', 'manifest.json'), 'utf8'));
  assert.equal(manifest.dataset.name, 'fashion-mnist');
  assert.equal(manifest.dataset.count, 60000);
  assert.match(readFileSync(join(work, 'fashion', 'cells.csv'), 'utf8'), /fashion-mnist,10,1/);
});

test('the npm digits are read without JSON.parse, to the same float32 bits; other shapes fall back to JSON', () => {
  const viaJson = (text: string) => Float32Array.from((JSON.parse(text) as { data: number[] }).data);
  const same = (a: Float32Array | null, b: Float32Array) => a !== null && Buffer.from(a.buffer).equals(Buffer.from(b.buffer));
  const pool = loadMnistNpm();
  for (const { path } of pool.files) {
    const text = readFileSync(path);
    assert.ok(same(readNumberArrayField(text, 'data'), viaJson(text.toString('utf8'))), path);
  }
  // decimals that are not exact binary fractions, the most significant digits allowed, ties of float32 rounding
  const hard = ['0.1', '0.3', '0.333', '0.996', '123456789012345', '0.000000000000000000001', '16777217', '0.999999999999999'];
  const text = ` { "data" :\n[ ${hard.join(' ,')} ] }\n`;
  assert.ok(same(readNumberArrayField(Buffer.from(text), 'data'), viaJson(text)));
  assert.deepEqual(readNumberArrayField(Buffer.from('{"data": []}'), 'data'), new Float32Array(0));
  for (const other of ['{"data": [-1]}', '{"data": [1e3]}', '{"data": [01]}', '{"data": [1.]}', '{"data": [1234567890123456]}', '{"data": [0.30000000000000004]}', '{"other": [1]}', '{"data": [1], "x": 2}', '{"data": [1]} x', '[1]']) {
    assert.equal(readNumberArrayField(Buffer.from(other), 'data'), null, other);
  }
});
