/** A dataset pool: every image a memory set or a query set can be drawn from, row-major. */
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
}

/** Copies the images with the given pool indices into one row-major matrix. */
export function gatherRows(pool: Pool, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * pool.dim);
  for (let r = 0; r < indices.length; r++) {
    const k = indices[r];
    out.set(pool.images.subarray(k * pool.dim, (k + 1) * pool.dim), r * pool.dim);
  }
  return out;
}
