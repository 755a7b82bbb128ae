import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCRATCH_SLOT_LIMIT, scratchFloat32, scratchFloat64 } from '../src/backend/scratch.ts';
import { gemm64 } from '../src/backend/gemm64.ts';

test('a scratch slot hands back its own memory, zeroed on request; slots and kinds are apart', () => {
  const first = scratchFloat64('test/a', 100);
  first.fill(7);
  const again = scratchFloat64('test/a', 60);
  assert.equal(again.buffer, first.buffer, 'reused');
  assert.equal(again.length, 60);
  assert.equal(again[0], 7, 'not zeroed unless asked');
  assert.equal(scratchFloat64('test/a', 60, true)[59], 0);
  assert.notEqual(scratchFloat64('test/b', 60).buffer, first.buffer);
  assert.notEqual(scratchFloat32('test/a', 60).buffer, first.buffer);
  const bigger = scratchFloat64('test/a', 200);
  assert.equal(bigger.length, 200);
  assert.notEqual(bigger.buffer, first.buffer, 'grown');
});

test('a slot over the limit is not kept', () => {
  const length = SCRATCH_SLOT_LIMIT / 8 + 8;
  const huge = scratchFloat64('test/huge', length);
  assert.equal(huge.length, length);
  assert.notEqual(scratchFloat64('test/huge', 16).buffer, huge.buffer);
});

test('gemm64 into a given array overwrites whatever it held, with the same product as a fresh one', () => {
  const a = Float64Array.from({ length: 12 }, (_, i) => (i % 5) - 2);
  const b = Float64Array.from({ length: 15 }, (_, i) => (i % 3) * 0.5);
  const fresh = gemm64(a, b, 4, 3, 5);
  const dirty = new Float64Array(20).fill(Number.NaN);
  assert.deepEqual(Array.from(gemm64(a, b, 4, 3, 5, false, false, dirty)), Array.from(fresh));
  assert.deepEqual(Array.from(gemm64(a, b, 4, 0, 0, false, false, new Float64Array(0))), []);
  assert.throws(() => gemm64(a, b, 4, 3, 5, false, false, new Float64Array(3)), /out holds 3/);
});
