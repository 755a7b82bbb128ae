import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select.ts';
import { TWO_TO_J_OVER_32, expInto, useHeapExp } from '../src/backend/expKernel.ts';
import { sfc32 } from '../src/random/prng.ts';

const info = await initBackend();
const skip = info.choice === 'wasm' ? false : `the heap Exp is for the wasm backend (${info.choice} here)`;
after(() => useHeapExp(true));

/** exp through tfjs's own wasm kernel and through the replacement, as float32 bits. */
function both(values: Float32Array, shape: number[] = [values.length]) {
  const x = tf.tensor(values, shape, 'float32');
  useHeapExp(false);
  const reference = tf.exp(x);
  useHeapExp(true);
  const heap = tf.exp(x);
  const out = { reference: new Uint32Array(reference.dataSync().slice().buffer), heap: new Uint32Array(heap.dataSync().slice().buffer), shape: heap.shape, dtype: heap.dtype };
  tf.dispose([x, reference, heap]);
  return out;
}

function assertSameBits(values: Float32Array, label: string) {
  const { reference, heap } = both(values);
  let first = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (reference[i] !== heap[i]) {
      if (first < 0) first = i;
      count++;
    }
  }
  assert.equal(count, 0, `${label}: ${count} values differ, first exp(${values[first]}): tfjs bits ${reference[first]?.toString(16)}, ours ${heap[first]?.toString(16)}`);
}

test('heap Exp = tfjs Exp to the bit: 3 M uniform draws over every range expf treats apart', { skip }, () => {
  const rng = sfc32(1, 2, 3, 4);
  const ranges: Array<[number, number]> = [
    [-30, 0], // softmax logits minus their row maximum
    [-5, 5],
    [-1e-3, 1e-3],
    [-104, -87], // subnormal results and the underflow edge
    [87, 89], // the overflow edge
    [-200, 200],
  ];
  for (const [low, high] of ranges) {
    const values = Float32Array.from({ length: 500_000 }, () => low + rng.next() * (high - low));
    assertSameBits(values, `[${low}, ${high}]`);
  }
});

test('heap Exp = tfjs Exp on special values, float32 edges and every exponent', { skip }, () => {
  const f32 = (bits: number) => new Float32Array(new Uint32Array([bits]).buffer)[0];
  const special = [0, -0, 1, -1, Infinity, -Infinity, NaN, 88, -88, 88.72283935546875, 88.72284698486328, -103.97207641601562, -103.97208404541016, -87.33654022216797];
  const edges = [0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x42b17217, 0x42b17218, 0xc2cff1b4, 0xc2cff1b5, 0x42b00000, 0xc2b00000].map(f32);
  // every float32 exponent, both signs, a few mantissas each
  const sweep: number[] = [];
  for (let exponent = 0; exponent < 255; exponent++) for (const mantissa of [0, 1, 0x400000, 0x7fffff]) for (const sign of [0, 0x80000000]) sweep.push(f32((sign | (exponent << 23) | mantissa) >>> 0));
  assertSameBits(Float32Array.from([...special, ...edges, ...sweep]), 'specials');
});

test('heap Exp keeps shape and dtype, takes rank 0 and 2-D, and an int32 input goes to tfjs', { skip }, () => {
  const matrix = both(Float32Array.from({ length: 12 }, (_, i) => i - 6), [3, 4]);
  assert.deepEqual(matrix.shape, [3, 4]);
  assert.equal(matrix.dtype, 'float32');
  assert.deepEqual(Array.from(matrix.heap), Array.from(matrix.reference));
  const scalar = tf.exp(tf.scalar(2));
  assert.equal(scalar.dataSync()[0], Math.fround(Math.exp(2)));
  const ints = tf.exp(tf.tensor1d([0, 1, 2], 'int32'));
  assert.equal(ints.dtype, 'float32');
  assert.equal(ints.dataSync()[0], 1);
  tf.dispose([scalar, ints]);
});

test('heap Exp reads its input after the output is made: an exp that grows the heap is still right', { skip }, () => {
  const x = tf.tensor1d(Float32Array.from({ length: 12_000_000 }, (_, i) => -(i % 1000) / 100));
  const y = tf.exp(x);
  const got = y.dataSync();
  const indices = [0, 999, 5_000_123, 11_999_999];
  const expected = new Float32Array(indices.length);
  expInto(Float32Array.from(indices, (i) => -(i % 1000) / 100), expected);
  assert.deepEqual(indices.map((i) => got[i]), Array.from(expected));
  assert.equal(got[0], 1);
  tf.dispose([x, y]);
});

test('the 2^(j/32) table: each entry the double nearest to 2^(j/32)', () => {
  // nearest: |t − 2^(j/32)| ≤ half an ulp, checked as t's neighbours being farther in 32nd powers
  for (let j = 0; j < 32; j++) {
    const t = TWO_TO_J_OVER_32[j];
    assert.ok(t >= 1 && t < 2, `entry ${j}`);
    const m = BigInt(t * 2 ** 52);
    const target = 1n << BigInt(52 * 32 + j);
    // (m − ½)³² ≤ target ≤ (m + ½)³², scaled by 2³²
    assert.ok((2n * m - 1n) ** 32n <= target << 32n && target << 32n <= (2n * m + 1n) ** 32n, `entry ${j}`);
  }
  assert.equal(TWO_TO_J_OVER_32[0], 1);
  assert.equal(TWO_TO_J_OVER_32[16], Math.SQRT2);
});
