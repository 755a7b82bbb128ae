import { test, before } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { similarities } from '../src/hopfield/similarities.ts';
import { pixelSpace } from '../src/hopfield/featureSpace.ts';
import { backend, assertClose } from './helpers.ts';
import { dot, norm } from './oracle.ts';
import { rngFor } from '../src/random/prng.ts';

before(backend);

function randomRows(count: number, dim: number, purpose: string): number[][] {
  const rng = rngFor('similarity-test', purpose);
  return Array.from({ length: count }, () => Array.from({ length: dim }, () => rng.next()));
}

function scores(name: keyof typeof similarities, queries: number[][], memories: number[][], distanceSign: 'positive' | 'negative') {
  const q = tf.tensor2d(queries);
  const m = tf.tensor2d(memories);
  const space = pixelSpace(m);
  const s = similarities[name](q, space.memories, { distanceSign });
  const values = s.arraySync() as number[][];
  [q, m, s].forEach((t) => t.dispose());
  space.dispose();
  return values;
}

const references = {
  dot: (q: number[], xi: number[]) => dot(q, xi),
  cosine: (q: number[], xi: number[]) => dot(q, xi) / (norm(q) * norm(xi)),
  l1: (q: number[], xi: number[]) => q.reduce((acc, v, i) => acc + Math.abs(v - xi[i]), 0),
  l2: (q: number[], xi: number[]) => Math.sqrt(q.reduce((acc, v, i) => acc + (v - xi[i]) ** 2, 0)),
};

test('hand-computed scores', () => {
  const q = [[1, 2]];
  const xi = [
    [3, 0],
    [1, 1],
  ];
  assertClose(scores('dot', q, xi, 'positive')[0], [3, 3], 1e-6, 'dot');
  assertClose(scores('l1', q, xi, 'positive')[0], [4, 1], 1e-6, 'l1 official sign');
  assertClose(scores('l1', q, xi, 'negative')[0], [-4, -1], 1e-6, 'l1 textbook sign');
  assertClose(scores('l2', q, xi, 'positive')[0], [Math.sqrt(8), 1], 1e-6, 'l2 official sign');
  assertClose(scores('l2', q, xi, 'negative')[0], [-Math.sqrt(8), -1], 1e-6, 'l2 textbook sign');
  assertClose(scores('cosine', q, xi, 'positive')[0], [3 / (Math.sqrt(5) * 3), 3 / (Math.sqrt(5) * Math.sqrt(2))], 1e-6, 'cos');
});

test('every similarity matches a plain-JS computation on MNIST-sized rows', () => {
  // non-negative dense rows: l1 takes its dense form (the sparse form has its own test below)
  const queries = randomRows(30, 784, 'q');
  const memories = randomRows(400, 784, 'm');
  for (const [name, reference] of Object.entries(references)) {
    for (const sign of ['positive', 'negative'] as const) {
      const got = scores(name as keyof typeof references, queries, memories, sign);
      const flip = sign === 'negative' && (name === 'l1' || name === 'l2') ? -1 : 1;
      const scale = name === 'cosine' ? 1 : 300;
      queries.forEach((q, i) =>
        assertClose(got[i], memories.map((xi) => flip * reference(q, xi)), 1e-5 * scale, `${name}/${sign} row ${i}`),
      );
    }
  }
});

test('l1 on non-negative memories (sparse-query path) = the plain sum, with zero, negative and positive query entries', () => {
  // memories ≥ 0 like pixels; queries with ~70 % zeros and some negative entries (Gaussian noise on pixels)
  const memories = randomRows(40, 784, 'm-pixels').map((row) => row.map((v, k) => (k % 5 === 0 ? 0 : Math.abs(v))));
  // even rows 85 % zeros (sparse form), odd rows 50 % (dense form): one call mixes both
  const queries = randomRows(12, 784, 'q-sparse').map((row, i) => row.map((v, k) => ((i % 2 === 0 ? k % 20 < 17 : k % 2 === 0) ? 0 : v - 0.3)));
  const got = scores('l1', queries, memories, 'positive');
  queries.forEach((q, i) => assertClose(got[i], memories.map((xi) => references.l1(q, xi)), 1e-4, `row ${i}`));
  // a memory with one negative entry sends everything back to the dense path, same answers
  memories[3][7] = -0.5;
  const dense = scores('l1', queries, memories, 'positive');
  queries.forEach((q, i) => assertClose(dense[i], memories.map((xi) => references.l1(q, xi)), 1e-4, `dense row ${i}`));
});
