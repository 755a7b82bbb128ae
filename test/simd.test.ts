/** The WebAssembly SIMD kernels give the same bits as the JavaScript loops they replace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simdKernels, simdModuleBytes, withoutSimd } from '../src/backend/simd.ts';
import { trainMaxLossSgd, type MaxLossSgdInput } from '../src/featuremap/maxLossSgd.ts';
import { normalArray, rngFor } from '../src/random/prng.ts';
import { tf } from '../src/backend/tf.ts';
import { initBackend } from '../src/backend/select.ts';
import { similarities } from '../src/hopfield/similarities.ts';

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('the kernels module validates and compiles on this Node (WebAssembly SIMD)', () => {
  assert.ok(WebAssembly.validate(simdModuleBytes()));
  assert.ok(simdKernels(), 'kernels available');
});

/** A max-loss problem: K = X Xᵀ, F₀ = X W₀ᵀ, G = F₀ F₀ᵀ from random X and W₀ (n rows, d inputs, D features). */
function problem(n: number, d: number, featureDim: number, seed: number): () => MaxLossSgdInput {
  const x = Float64Array.from(normalArray(rngFor('simd-x', seed), n * d));
  const w = Float64Array.from(normalArray(rngFor('simd-w', seed), featureDim * d));
  const product = (a: Float64Array, b: Float64Array, rows: number, cols: number, inner: number) => {
    const out = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) for (let k = 0; k < inner; k++) out[r * cols + c] += a[r * inner + k] * b[c * inner + k];
    return out;
  };
  const kernel = product(x, x, n, n, d);
  const features = product(x, w, n, featureDim, d);
  const gram = product(features, features, n, n, featureDim);
  return () => ({ kernel: kernel.slice(), features: features.slice(), gram: gram.slice(), n, featureDim, epochs: 40, learningRate: { initial: 0.5, inverseSqrtFactorial: true }, plateau: null });
}

test('max-loss SGD: the SIMD kernels (Gram update, closest pair, moves) give the same losses and coefficients as the JS loops (odd and even n, odd D, exact ties)', () => {
  for (const [n, seed] of [[37, 1], [40, 2]]) {
    const input = problem(n, 12, 9, seed);
    const withKernels = trainMaxLossSgd(input());
    const plain = withoutSimd(() => trainMaxLossSgd(input()));
    sameBits(withKernels.losses, plain.losses, `losses n=${n}`);
    sameBits(withKernels.coefficients, plain.coefficients, `coefficients n=${n}`);
    assert.ok(new Set(plain.losses).size > 10, 'the steps move different pairs');
  }
  // the 20 rows with three ones among six entries (F₀ = X): many pairs share the same cosine exactly,
  // so the first steps choose among ties (the first in row-major order)
  const subsets: number[][] = [];
  for (let a = 0; a < 6; a++) for (let b = a + 1; b < 6; b++) for (let c = b + 1; c < 6; c++) subsets.push([a, b, c]);
  const x = Float64Array.from(subsets.flatMap((set) => Array.from({ length: 6 }, (_, k) => (set.includes(k) ? 1 : 0))));
  const kernel = new Float64Array(20 * 20).map((_, e) => subsets[Math.floor(e / 20)].filter((k) => subsets[e % 20].includes(k)).length);
  const tied = () => ({ kernel: kernel.slice(), features: x.slice(), gram: kernel.slice(), n: 20, featureDim: 6, epochs: 30, learningRate: { initial: 0.3, inverseSqrtFactorial: false }, plateau: null });
  const withKernels = trainMaxLossSgd(tied());
  const plain = withoutSimd(() => trainMaxLossSgd(tied()));
  sameBits(withKernels.losses, plain.losses, 'losses with ties');
  sameBits(withKernels.coefficients, plain.coefficients, 'coefficients with ties');
});

test('l1 scores: the SIMD kernels give the same distances as the JS loops (sparse and dense queries, odd counts and widths)', async () => {
  await initBackend();
  for (const [count, dim] of [[31, 64], [40, 66]]) {
    for (const [kind, share] of [['sparse', 7], ['dense', 1]] as const) {
      for (const signs of ['non-negative', 'signed'] as const) {
        const memories = Float32Array.from(normalArray(rngFor('simd-l1-m', count), count * dim), (v) => (signs === 'signed' ? v : Math.max(0, v)));
        // one entry in `share` non-zero: mostly-zero queries take the sparse path (on non-negative memories)
        const queries = Float32Array.from(normalArray(rngFor('simd-l1-q', count), 9 * dim), (v, i) => (i % share === 0 ? v : 0));
        const rows = tf.tensor2d(memories, [count, dim]);
        const score = () => similarities.l1(tf.tensor2d(queries, [9, dim]), { rows, cols: tf.transpose(rows) as tf.Tensor2D }, { distanceSign: 'positive' }).dataSync();
        sameBits(score(), withoutSimd(score), `l1 distances, ${kind} queries, ${signs} memories, ${count} × ${dim}`);
      }
    }
  }
});
