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
 * given as stored (A as k × m, B as n × k). C is written into `out` when given (m·n long, any
 * contents: all of it is overwritten), else into a new array.
 */
export function gemm64(a: Float64Array, b: Float64Array, m: number, k: number, n: number, transposeA = false, transposeB = false, out?: Float64Array): Float64Array {
  if (out && out.length !== m * n) throw new Error(`gemm64: out holds ${out.length} values, C has ${m * n}`);
  if (out && (out.buffer === a.buffer || out.buffer === b.buffer)) throw new Error('gemm64: out must not share memory with a factor');
  const c = out ?? new Float64Array(m * n);
  const dgemm = blasInUse()?.dgemm;
  if (dgemm && m > 0 && n > 0 && k > 0) {
    // beta = 0: C is set, never read
    dgemm(transposeA, transposeB, m, n, k, a, transposeA ? m : k, b, transposeB ? k : n, c, n);
    return c;
  }
  if (out) c.fill(0);
  if (dgemm) return c;
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
  // four rows of C at a time: each row of B is read once for all four (then the last rows one by one)
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const row0 = i * n;
    const [row1, row2, row3] = [row0 + n, row0 + 2 * n, row0 + 3 * n];
    for (let r = 0; r < rowCount; r++) {
      const p = rows[r];
      const s0 = left[i * k + p];
      const s1 = left[(i + 1) * k + p];
      const s2 = left[(i + 2) * k + p];
      const s3 = left[(i + 3) * k + p];
      if (s0 === 0 && s1 === 0 && s2 === 0 && s3 === 0) continue;
      const from = p * n;
      for (let j = 0; j < n; j++) {
        const value = right[from + j];
        c[row0 + j] += s0 * value;
        c[row1 + j] += s1 * value;
        c[row2 + j] += s2 * value;
        c[row3 + j] += s3 * value;
      }
    }
  }
  for (; i < m; i++) {
    const row = i * n;
    for (let r = 0; r < rowCount; r++) {
      const p = rows[r];
      const scale = left[i * k + p];
      if (scale === 0) continue;
      const from = p * n;
      for (let j = 0; j < n; j++) c[row + j] += scale * right[from + j];
    }
  }
  return c;
}
