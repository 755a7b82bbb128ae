import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { separations } from '../src/hopfield/separations.ts';
import { separationNames } from '../src/config/schema.ts';
import { backend, assertClose } from './helpers.ts';
import * as oracle from './oracle.ts';
import { normalArray, rngFor } from '../src/random/prng.ts';

before(backend);

function apply(name: keyof typeof separations, rows: number[][], degree = 10): number[][] {
  const input = tf.tensor2d(rows);
  const out = separations[name](input, { degree });
  const values = out.arraySync() as number[][];
  input.dispose();
  out.dispose();
  return values;
}

test('sparsemax matches hand-computed values', () => {
  // z = (1, 0.5, -1): k = 2, τ = (1.5 − 1)/2 = 0.25 → (0.75, 0.25, 0)
  assertClose(apply('sparsemax', [[1, 0.5, -1]])[0], [0.75, 0.25, 0], 1e-6, 'sparsemax');
  // a gap ≥ 1 gives a one-hot vector
  assertClose(apply('sparsemax', [[3, 1.9, 0]])[0], [1, 0, 0], 1e-6, 'sparsemax one-hot');
  assertClose(apply('sparsemax', [[0, 0, 0, 0]])[0], [0.25, 0.25, 0.25, 0.25], 1e-6, 'sparsemax uniform');
});

test('1.5-entmax matches hand-computed values', () => {
  // z = (1, 0): p = (z/2 − τ)² with τ = (1 − √7)/4 → (0.830727, 0.169273)
  const tau = (1 - Math.sqrt(7)) / 4;
  assertClose(apply('entmax15', [[1, 0]])[0], [(0.5 - tau) ** 2, tau ** 2], 1e-6, 'entmax15');
  // z = (2, 0): τ = 0, p = (1, 0)
  assertClose(apply('entmax15', [[2, 0]])[0], [1, 0], 1e-6, 'entmax15 one-hot');
  assertClose(apply('entmax15', [[5, 5]])[0], [0.5, 0.5], 1e-6, 'entmax15 tie');
});

test('softmax, sparsemax and 1.5-entmax agree with plain-JS oracles on random rows', () => {
  const rows = Array.from({ length: 20 }, (_, r) => Array.from(normalArray(rngFor('sep-oracle', r), 37, r % 5 === 0 ? 0.1 : 3)));
  const oracles = { softmax: oracle.softmax, sparsemax: oracle.sparsemax, entmax15: oracle.entmax15 } as const;
  for (const [name, reference] of Object.entries(oracles)) {
    const got = apply(name as keyof typeof oracles, rows);
    rows.forEach((row, i) => assertClose(got[i], reference(row), 2e-5, `${name} row ${i}`));
  }
});

test('contract: every normalised separation gives non-negative weights summing to 1, shift-invariant, tie-symmetric', () => {
  const rows = [
    [0.3, -1.2, 2.5, 0.0, 2.4],
    [10, 10, -3, 4, 9.5],
  ];
  for (const name of separationNames.filter((n) => n !== 'poly')) {
    const p = apply(name, rows);
    const shifted = apply(name, rows.map((row) => row.map((v) => v + 7.25)));
    p.forEach((row, i) => {
      assert.ok(row.every((v) => v >= 0), `${name}: negative weight`);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `${name}: row ${i} does not sum to 1`);
      assertClose(shifted[i], row, 1e-5, `${name} shift`);
    });
    assert.ok(Math.abs(p[1][0] - p[1][1]) < 1e-6, `${name}: tied scores get different weights`);
  }
});

test('sparse maps are sparse, softmax is not', () => {
  const row = [[4, 1, 0.5, -2, -3]];
  assert.equal(apply('sparsemax', row)[0].filter((v) => v > 0).length, 1);
  assert.ok(apply('entmax15', row)[0].filter((v) => v > 0).length < 5);
  assert.equal(apply('softmax', row)[0].filter((v) => v > 0).length, 5);
});

test('poly is the unnormalised power s^n', () => {
  assertClose(apply('poly', [[2, -1, 0.5]], 3)[0], [8, -1, 0.125], 1e-6, 'poly-3');
  assertClose(apply('poly', [[2, -1]], 10)[0], [1024, 1], 1e-3, 'poly-10');
});

test('sparsemax and 1.5-entmax on wide rows: many tied maxima, all entries near the top, one far winner', () => {
  const width = 3000;
  const rows = [
    Array.from({ length: width }, (_, i) => (i % 3 === 0 ? 2 : -5 + i / width)), // 1000 tied maxima
    Array.from(normalArray(rngFor('wide-rows', 1), width, 0.01)), // every entry within 1 of the max
    Array.from({ length: width }, (_, i) => (i === 1234 ? 50 : i / width)), // one-hot
  ];
  for (const [name, reference] of [['sparsemax', oracle.sparsemax], ['entmax15', oracle.entmax15]] as const) {
    const got = apply(name, rows);
    rows.forEach((row, i) => assertClose(got[i], reference(row), 1e-6, `${name} wide row ${i}`));
  }
});

test('α-entmax on rows of 5,000: every row sums to 1 within 1e-6 and matches a float64 bisection', () => {
  const width = 5000;
  const rows = [
    Array.from(normalArray(rngFor('entmax-rows', 1), width, 0.01)), // every entry in the support
    Array.from(normalArray(rngFor('entmax-rows', 2), width, 0.5)),
    Array.from({ length: width }, (_, i) => (i % 4 === 0 ? 1 : i / width)), // 1250 tied maxima
  ];
  const input = tf.tensor2d(rows);
  for (const alpha of [1.25, 1.5, 2, 3]) {
    const out = separations.entmax(input, { degree: 10, alpha });
    const got = out.arraySync() as number[][];
    out.dispose();
    got.forEach((row, i) => {
      const sum = row.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-6, `α = ${alpha}, row ${i}: Σp = ${sum}`);
      assertClose(row, oracle.entmax(rows[i], alpha), 1e-7, `α = ${alpha}, row ${i}`);
    });
  }
  input.dispose();
});
