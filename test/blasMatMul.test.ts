import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { activeBlas, initBackend, setBlasMatMul } from '../src/backend/select.ts';
import { normalArray, rngFor } from '../src/random/prng.ts';
import { gemm64 } from '../src/backend/gemm64.ts';

// Decided before the tests are declared: without an optimised BLAS they are skipped, never failed.
const info = await initBackend();
const skip = info.blas ? false : `no optimised BLAS here (${info.choice}; ${info.blasSkipped.join('; ') || 'not searched'})`;
after(() => setBlasMatMul(true));

function random(shape: number[], purpose: string): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(normalArray(rngFor('blas-test', purpose), size), shape);
}

/** The same product through tfjs's own wasm kernel and through BLAS. */
function both(run: () => tf.Tensor): { wasm: Float32Array; blas: Float32Array; shape: number[] } {
  setBlasMatMul(false);
  const reference = run();
  setBlasMatMul(true);
  const native = run();
  assert.deepEqual(native.shape, reference.shape);
  const out = { wasm: reference.dataSync() as Float32Array, blas: native.dataSync() as Float32Array, shape: native.shape };
  tf.dispose([reference, native]);
  return out;
}

function assertRelativeClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, label);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-4 * scale, `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('BLAS kernel = wasm kernel for all four transpose combinations', { skip }, () => {
  assert.ok(activeBlas());
  const m = 7;
  const k = 33;
  const n = 5;
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      const a = random(transposeA ? [k, m] : [m, k], `a${transposeA}`);
      const b = random(transposeB ? [n, k] : [k, n], `b${transposeB}`);
      const { wasm, blas, shape } = both(() => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, transposeA, transposeB));
      assert.deepEqual(shape, [m, n]);
      assertRelativeClose(blas, wasm, `transposeA=${transposeA} transposeB=${transposeB}`);
      tf.dispose([a, b]);
    }
  }
});

test('BLAS kernel = wasm kernel on batched and broadcast shapes', { skip }, () => {
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[3, 4, 6], [3, 6, 2], false, false],
    [[3, 6, 4], [3, 2, 6], true, true],
    [[1, 4, 6], [5, 6, 2], false, false],
    [[5, 4, 6], [1, 2, 6], false, true],
  ];
  for (const [aShape, bShape, transposeA, transposeB] of cases) {
    const a = random(aShape, `a${aShape}`);
    const b = random(bShape, `b${bShape}`);
    const { wasm, blas } = both(() => tf.matMul(a, b, transposeA, transposeB));
    assertRelativeClose(blas, wasm, `${aShape} x ${bShape}`);
    tf.dispose([a, b]);
  }
  // batch dims broadcast across ranks: [2,1] with [3] → [2,3]; reference from explicitly broadcast inputs
  const a = random([2, 1, 4, 6], 'ra');
  const b = random([3, 6, 5], 'rb');
  setBlasMatMul(true);
  const broadcast = tf.matMul(a, b);
  assert.deepEqual(broadcast.shape, [2, 3, 4, 5]);
  setBlasMatMul(false);
  const reference = tf.matMul(tf.broadcastTo(a, [2, 3, 4, 6]), tf.broadcastTo(b, [2, 3, 6, 5]));
  assertRelativeClose(broadcast.dataSync() as Float32Array, reference.dataSync() as Float32Array, 'rank broadcast');
  setBlasMatMul(true);
  tf.dispose([a, b, broadcast, reference]);
});

test('BLAS kernel handles empty and 1×1 products', { skip }, () => {
  setBlasMatMul(true);
  const empty = tf.matMul(tf.zeros([0, 4]), random([4, 3], 'e'));
  assert.deepEqual(empty.shape, [0, 3]);
  const zeroInner = tf.matMul(tf.zeros([2, 0]), tf.zeros([0, 3]));
  assert.deepEqual(Array.from(zeroInner.dataSync()), [0, 0, 0, 0, 0, 0]);
  const one = tf.matMul(tf.tensor2d([[3]]), tf.tensor2d([[-2]]));
  assert.deepEqual(Array.from(one.dataSync()), [-6]);
  tf.dispose([empty, zeroInner, one]);
});

test('gradients through the BLAS kernel match the wasm kernel', { skip }, () => {
  const x = random([9, 12], 'gx') as tf.Tensor2D;
  const w = random([12, 4], 'gw') as tf.Tensor2D;
  const loss = (wt: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, wt as tf.Tensor2D)));
  const wasm = both(() => tf.grad(loss)(w));
  assertRelativeClose(wasm.blas, wasm.wasm, 'dW');
  tf.dispose([x, w]);
});

/** Row-major op(A)·op(B) by the definition, in float64. */
function naiveProduct(a: Float64Array, b: Float64Array, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += (transposeA ? a[p * m + i] : a[i * k + p]) * (transposeB ? b[j * k + p] : b[p * n + j]);
      out.push(sum);
    }
  }
  return out;
}

test('float64 products (Stage I): JS loop and cblas_dgemm = the definition, all transpose flags, zeros and empty sizes', () => {
  const [m, k, n] = [6, 9, 4];
  // zeros in A exercise the JS loop's skip (m = 6 and 5: four-row blocks plus leftover rows)
  const a = Float64Array.from(normalArray(rngFor('gemm64', 'a'), m * k), (v, i) => (i % 3 === 0 ? 0 : v));
  // and a zero row of op(B) (the JS loop skips it): entries 2n…3n−1 as stored with no transpose
  const b = Float64Array.from(normalArray(rngFor('gemm64', 'b'), k * n), (v, i) => (i >= 2 * n && i < 3 * n ? 0 : v));
  const paths = info.blas && activeBlas()?.dgemm ? [false, true] : [false];
  for (const useBlas of paths) {
    setBlasMatMul(useBlas);
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const product = gemm64(a, b, m, k, n, transposeA, transposeB);
        const expected = naiveProduct(a, b, m, k, n, transposeA, transposeB);
        product.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < 1e-12, `blas=${useBlas} ${transposeA}/${transposeB}[${i}]`));
        // into a given array full of NaN (a reused scratch slot): overwritten, the same product
        const into = gemm64(a, b, m, k, n, transposeA, transposeB, new Float64Array(m * n).fill(Number.NaN));
        assert.deepEqual(Array.from(into), Array.from(product), `blas=${useBlas} ${transposeA}/${transposeB} into`);
      }
    }
    const odd = gemm64(a.subarray(0, 5 * k), b, 5, k, n);
    const oddExpected = naiveProduct(a.subarray(0, 5 * k), b, 5, k, n, false, false);
    odd.forEach((value, i) => assert.ok(Math.abs(value - oddExpected[i]) < 1e-12, `odd m [${i}]`));
    assert.equal(gemm64(new Float64Array(0), new Float64Array(0), 0, 3, 0).length, 0);
    assert.deepEqual(Array.from(gemm64(new Float64Array(0), new Float64Array(0), 2, 0, 2)), [0, 0, 0, 0]);
    assert.deepEqual(Array.from(gemm64(new Float64Array(0), new Float64Array(0), 2, 0, 2, false, false, new Float64Array(4).fill(5))), [0, 0, 0, 0]);
  }
  setBlasMatMul(true);
});
