import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select.ts';
import { copyBox, useHeapSlice } from '../src/backend/sliceKernel.ts';

const info = await initBackend();
const skip = info.choice === 'wasm' ? false : `the heap Slice is for the wasm backend (${info.choice} here)`;
after(() => useHeapSlice(true));

function values(count: number, dtype: 'float32' | 'int32' | 'bool'): number[] {
  return Array.from({ length: count }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : dtype === 'int32' ? i * 7 - 50 : Math.sin(i) * 1e3)) as number[];
}

/** The same slice through tfjs's own kernel and through the heap copy. */
function both(shape: number[], begin: number[], size: number[], dtype: 'float32' | 'int32' | 'bool' = 'float32') {
  const x = tf.tensor(values(shape.reduce((a, b) => a * b, 1), dtype), shape, dtype);
  useHeapSlice(false);
  const reference = tf.slice(x, begin, size);
  useHeapSlice(true);
  const heap = tf.slice(x, begin, size);
  const out = { reference: { shape: reference.shape, dtype: reference.dtype, values: reference.dataSync() }, heap: { shape: heap.shape, dtype: heap.dtype, values: heap.dataSync() } };
  tf.dispose([x, reference, heap]);
  return out;
}

test('heap Slice = tfjs Slice: contiguous, strided, every rank, -1 sizes, empty, int32 and bool', { skip }, () => {
  const cases: Array<[number[], number[], number[], ('float32' | 'int32' | 'bool')?]> = [
    [[12], [3], [5]],
    [[785, 784], [0, 0], [784, 784]],
    [[785, 784], [784, 0], [1, 784]],
    [[9, 7], [2, 3], [4, -1]],
    [[9, 7], [0, 6], [9, 1]],
    [[4, 5, 6], [1, 2, 3], [2, 3, 2]],
    [[3, 4, 5, 6], [1, 0, 2, 1], [2, 4, 2, 5]],
    [[2, 3, 2, 2, 3], [1, 1, 0, 1, 0], [1, 2, 2, 1, 3]],
    [[6, 5], [2, 0], [0, 5]],
    [[6, 5], [1, 1], [3, 3], 'int32'],
    [[6, 5], [1, 1], [3, 3], 'bool'],
  ];
  for (const [shape, begin, size, dtype] of cases) {
    const { reference, heap } = both(shape, begin, size, dtype);
    assert.deepEqual(heap.shape, reference.shape, `${shape} ${begin} ${size}`);
    assert.equal(heap.dtype, reference.dtype);
    assert.deepEqual(Array.from(heap.values), Array.from(reference.values), `${shape} ${begin} ${size} ${dtype ?? 'float32'}`);
  }
});

test('heap Slice reads the input after the output is made: a slice that grows the heap is still right', { skip }, () => {
  // 48 MB input, a 40 MB slice: making the output grows the heap and moves it
  const x = tf.tensor2d(new Float32Array(3000 * 4000).map((_, i) => i % 9973), [3000, 4000]);
  const part = tf.slice(x, [500, 1], [2500, 3999]);
  const got = part.dataSync();
  assert.equal(got[0], (500 * 4000 + 1) % 9973);
  assert.equal(got[got.length - 1], (2999 * 4000 + 3999) % 9973);
  tf.dispose([x, part]);
});

test('copyBox copies a box row by row', () => {
  const input = Float32Array.from({ length: 24 }, (_, i) => i);
  const out = new Float32Array(4);
  copyBox(input, [2, 3, 4], [1, 1, 2], [1, 2, 2], out);
  assert.deepEqual(Array.from(out), [18, 19, 22, 23]);
});
