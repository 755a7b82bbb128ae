/** Generated pools: points on the unit sphere, and correlated clusters of unit vectors. */
import { normalArray, rngFor } from '../random/prng.ts';
import type { Pool } from './pool.ts';

function normalizeRows(values: Float32Array, dim: number): void {
  for (let row = 0; row < values.length / dim; row++) {
    const slice = values.subarray(row * dim, (row + 1) * dim);
    let sumSq = 0;
    for (const v of slice) sumSq += v * v;
    const inv = 1 / Math.sqrt(sumSq);
    for (let i = 0; i < dim; i++) slice[i] *= inv;
  }
}

function generated(name: string, dim: number, count: number, images: Float32Array, labels: Int32Array, seed: number): Pool {
  return { name, dim, count, images, labels, source: `generated (seed ${seed})`, split: null, files: [] };
}

/** Gaussian points normalised to S^{d−1}: uniform on the sphere (the U-Hop+ synthetic setting). */
export function spherePool(spec: { dim: number; count: number; seed: number }): Pool {
  const images = normalArray(rngFor('synthetic-sphere', spec.seed, spec.dim, spec.count), spec.count * spec.dim);
  normalizeRows(images, spec.dim);
  return generated('synthetic-sphere', spec.dim, spec.count, images, new Int32Array(spec.count), spec.seed);
}

/**
 * Clustered unit vectors: `clusters` centres uniform on the sphere; point i belongs to cluster
 * i mod clusters and is normalise(centre + spread · g/√d) with g ~ N(0, I). Small spread = memories
 * close to each other, where separation matters.
 */
export function clusterPool(spec: { dim: number; count: number; seed: number; clusters: number; spread: number }): Pool {
  const centres = normalArray(rngFor('synthetic-clusters', 'centres', spec.seed, spec.dim, spec.clusters), spec.clusters * spec.dim);
  normalizeRows(centres, spec.dim);
  const images = normalArray(rngFor('synthetic-clusters', 'points', spec.seed, spec.dim, spec.count), spec.count * spec.dim, spec.spread / Math.sqrt(spec.dim));
  const labels = new Int32Array(spec.count);
  for (let i = 0; i < spec.count; i++) {
    labels[i] = i % spec.clusters;
    for (let j = 0; j < spec.dim; j++) images[i * spec.dim + j] += centres[labels[i] * spec.dim + j];
  }
  normalizeRows(images, spec.dim);
  return generated('synthetic-clusters', spec.dim, spec.count, images, labels, spec.seed);
}
