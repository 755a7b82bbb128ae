/**
 * The system's optimised BLAS, reached through the FFI package koffi (prebuilt, no compiler).
 * Looked for in order: UHOP_BLAS (a path, or "off"), OpenBLAS, libblas.so.3 when it is an
 * optimised BLAS, macOS Accelerate. The reference BLAS is refused: it is ~40× slower than
 * OpenBLAS and slower than plain wasm. A failed load is never fatal: uhop stays on plain wasm.
 */
import { createRequire } from 'node:module';

export interface BlasInfo {
  /** What was loaded (a file name or path). */
  library: string;
  /** Vendor and build, e.g. OpenBLAS's config string. */
  config: string;
  /** Threads the BLAS uses, when it can tell. */
  threads: number | null;
}

export interface Blas {
  info: BlasInfo;
  /** Row-major C (m × n) = op(A) · op(B), op = transpose when the flag is set. */
  sgemm(
    transposeA: boolean,
    transposeB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    c: Float32Array,
    ldc: number,
  ): void;
  /** The same in float64, when the library has cblas_dgemm. */
  dgemm:
    | ((
        transposeA: boolean,
        transposeB: boolean,
        m: number,
        n: number,
        k: number,
        a: Float64Array,
        lda: number,
        b: Float64Array,
        ldb: number,
        c: Float64Array,
        ldc: number,
      ) => void)
    | null;
  /** Sets the BLAS thread count where the library allows it; returns the count in use. */
  setThreads(count: number): number | null;
}

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

const defaultCandidates = [
  'libopenblas.so.0',
  'libopenblas.so',
  'libblas.so.3',
  '/System/Library/Frameworks/Accelerate.framework/Accelerate',
  'libopenblas.dylib',
];

type KoffiLib = { func(definition: string): (...args: unknown[]) => unknown };
type Koffi = { load(path: string): KoffiLib };

/** The FFI package, or why it could not be loaded. */
export function loadKoffi(): Koffi | string {
  try {
    return createRequire(import.meta.url)('koffi') as Koffi;
  } catch (error) {
    return `koffi unavailable: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** A function of the library, or null when it does not export that symbol. */
function optional(lib: KoffiLib, definition: string): ((...args: unknown[]) => unknown) | null {
  try {
    return lib.func(definition);
  } catch {
    return null;
  }
}

/** Identifies an optimised BLAS; null for the reference implementation (or an unknown one). */
function identify(lib: KoffiLib, path: string): { config: string; setThreads: Blas['setThreads'] } | null {
  const openblasConfig = optional(lib, 'const char* openblas_get_config()');
  if (openblasConfig) {
    const set = optional(lib, 'void openblas_set_num_threads(int)');
    const get = optional(lib, 'int openblas_get_num_threads()');
    return {
      config: String(openblasConfig()),
      setThreads: (count) => {
        set?.(count);
        return get ? Number(get()) : null;
      },
    };
  }
  const blisVersion = optional(lib, 'const char* bli_info_get_version_str()');
  if (blisVersion) {
    const set = optional(lib, 'void bli_thread_set_num_threads(int64_t)');
    return { config: `BLIS ${String(blisVersion())}`, setThreads: (count) => (set?.(count), set ? count : null) };
  }
  if (optional(lib, 'int MKL_Get_Max_Threads()')) {
    const set = optional(lib, 'void MKL_Set_Num_Threads(int)');
    return { config: 'Intel MKL', setThreads: (count) => (set?.(count), set ? count : null) };
  }
  if (path.includes('Accelerate.framework')) return { config: 'Apple Accelerate', setThreads: () => null };
  return null;
}

/**
 * BLAS threads per tfjs instance: UHOP_BLAS_THREADS, else 1. OpenBLAS's results change in the last
 * bits with its thread count, so a fixed count keeps results independent of --workers; the
 * parallelism comes from running cells in worker threads (one per core by default).
 */
export function blasThreadsWanted(): number {
  const wanted = Number(process.env.UHOP_BLAS_THREADS ?? 1);
  return Number.isInteger(wanted) && wanted >= 1 ? wanted : 1;
}

export interface BlasSearch {
  blas: Blas | null;
  /** Why each candidate looked at was not used. */
  skipped: string[];
}

export function findBlas(request = process.env.UHOP_BLAS): BlasSearch {
  if (request === 'off') return { blas: null, skipped: ['UHOP_BLAS=off'] };
  const koffi = loadKoffi();
  if (typeof koffi === 'string') return { blas: null, skipped: [koffi] };
  const skipped: string[] = [];
  for (const path of request ? [request] : defaultCandidates) {
    let lib: KoffiLib;
    try {
      lib = koffi.load(path);
    } catch {
      skipped.push(`${path}: not found`);
      continue;
    }
    const sgemm = optional(
      lib,
      'void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc)',
    );
    const dgemm = optional(
      lib,
      'void cblas_dgemm(int order, int transA, int transB, int m, int n, int k, double alpha, const double* a, int lda, const double* b, int ldb, double beta, double* c, int ldc)',
    );
    const identity = sgemm ? identify(lib, path) : null;
    if (!sgemm || !identity) {
      skipped.push(`${path}: ${sgemm ? 'not an optimised BLAS (reference BLAS is ~40x slower)' : 'no cblas_sgemm'}`);
      continue;
    }
    const threads = identity.setThreads(blasThreadsWanted());
    const blas: Blas = {
      info: { library: path, config: identity.config, threads },
      sgemm: (transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc) => {
        sgemm(ROW_MAJOR, transposeA ? TRANS : NO_TRANS, transposeB ? TRANS : NO_TRANS, m, n, k, 1, a, lda, b, ldb, 0, c, ldc);
      },
      dgemm: dgemm
        ? (transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc) => {
            dgemm(ROW_MAJOR, transposeA ? TRANS : NO_TRANS, transposeB ? TRANS : NO_TRANS, m, n, k, 1, a, lda, b, ldb, 0, c, ldc);
          }
        : null,
      setThreads: (count) => {
        const inUse = identity.setThreads(count);
        blas.info.threads = inUse;
        return inUse;
      },
    };
    return { blas, skipped };
  }
  return { blas: null, skipped };
}
