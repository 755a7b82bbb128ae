/** A dataset pool: every image a memory set or a query set can be drawn from, row-major. */
import { createHash } from 'node:crypto';
import { copyRows } from '../backend/rows.ts';
export interface Pool {
  name: string;
  /** Pixels per image (d). */
  dim: number;
  count: number;
  /** count × dim values in [0, 1], image k at [k·dim, (k+1)·dim). */
  images: Float32Array;
  labels: Int32Array;
  /** Where the images came from, for the manifest. */
  source: string;
  /** Split of a file dataset (train/test), null for generated or packaged pools. */
  split: string | null;
  /** The data files read, with the sha256 of each as stored. */
  files: Array<{ path: string; sha256: string }>;
  /** sha256 of the images' and then the labels' bytes, when the loader has just checked it (spares hashing 31 MB again). */
  contentSha256?: string;
}

/** Copies the images with the given pool indices into one row-major matrix. */
export function gatherRows(pool: Pick<Pool, 'images' | 'dim'>, indices: ArrayLike<number>): Float32Array {
  return copyRows(pool.images, pool.dim, indices);
}

export interface PoolFingerprint {
  name: string;
  split: string | null;
  count: number;
  dim: number;
  /** sha256 of the pool's pixels and labels, as loaded. */
  sha256: string;
  /** The files used and their sha256 (their paths are not part of the identity). */
  files: Array<{ path: string; sha256: string }>;
}

const fingerprints = new WeakMap<Pool, PoolFingerprint>();

/** sha256 of a pool's images' bytes, then its labels' bytes. */
export function contentHash(pool: Pick<Pool, 'images' | 'labels'>): string {
  return createHash('sha256')
    .update(new Uint8Array(pool.images.buffer, pool.images.byteOffset, pool.images.byteLength))
    .update(new Uint8Array(pool.labels.buffer, pool.labels.byteOffset, pool.labels.byteLength))
    .digest('hex');
}

/** Identifies the data a result was computed from (part of every cell's cache key and manifest). */
export function poolFingerprint(pool: Pool): PoolFingerprint {
  let fingerprint = fingerprints.get(pool);
  if (!fingerprint) {
    const sha256 = pool.contentSha256 ?? contentHash(pool);
    fingerprint = { name: pool.name, split: pool.split, count: pool.count, dim: pool.dim, sha256, files: pool.files };
    fingerprints.set(pool, fingerprint);
  }
  return fingerprint;
}
