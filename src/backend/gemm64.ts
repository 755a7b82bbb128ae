/**
 * Float64 matrix products for the few places where float32 rounding would decide a discrete
 * choice (Stage I's closest pair): cblas_dgemm when the BLAS is in use, else a JS loop that skips
 * zero entries of the left factor (most MNIST pixels) and zero rows of the right one. Both agree to float64 rounding, so results
 * no longer depend on which float32 matMul kernel ran.
 */
import { blasInUse } from './blasMatMul.ts';

/** The k × m transpose of a row-major m × k matrix. */
function transposed(a: Float64Array, m: number, k: number): Float64Array {
  const out = new Float64Array(m * k);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) out[p * m + i] = a[i * k + p];
  return out;
}

/**
 * Row-major C (m × n) = op(A) · op(B) with op(A) m × k and op(B) k × n; a transposed factor is
 * given as stored (A as k × m, B as n × k).
 */
export function gemm64(a: Float64Array, b: Float64Array, m: number, k: number, n: number, transposeA = false, transposeB = false): Float64Array {
  const c = new Float64Array(m * n);
  const dgemm = blasInUse()?.dgemm;
  if (dgemm) {
    if (m > 0 && n > 0 && k > 0) dgemm(transposeA, transposeB, m, n, k, a, transposeA ? m : k, b, transposeB ? k : n, c, n);
    return c;
  }
  const left = transposeA ? transposed(a, k, m) : a;
  const right = transposeB ? transposed(b, n, k) : b;
  // zero rows of B (Stage I's Xᵀ C: C is zero but for the rows that were ever in a closest pair) are skipped
  const rows = new Int32Array(k);
  let rowCount = 0;
  for (let p = 0; p < k; p++) {
    const from = p * n;
    for (let j = 0; j < n; j++) {
      if (right[from + j] !== 0) {
        rows[rowCount++] = p;
        break;
      }
    }
  }
  // two rows of C at a time: each row of B read once for both
  for (let i = 0; i < m; i += 2) {
    const pair = i + 1 < m;
    const row0 = i * n;
    const row1 = row0 + n;
    for (let r = 0; r < rowCount; r++) {
      const p = rows[r];
      const scale0 = left[i * k + p];
      const scale1 = pair ? left[(i + 1) * k + p] : 0;
      if (scale0 === 0 && scale1 === 0) continue;
      const from = p * n;
      if (scale1 === 0) {
        for (let j = 0; j < n; j++) c[row0 + j] += scale0 * right[from + j];
      } else if (scale0 === 0) {
        for (let j = 0; j < n; j++) c[row1 + j] += scale1 * right[from + j];
      } else {
        for (let j = 0; j < n; j++) {
          const value = right[from + j];
          c[row0 + j] += scale0 * value;
          c[row1 + j] += scale1 * value;
        }
      }
    }
  }
  return c;
}
