/**
 * A replacement BatchMatMul kernel for tfjs's wasm backend that hands every float32 matrix
 * product to the system BLAS (cblas_sgemm), transpose flags included. Inputs and output are
 * read and written in place on the wasm heap, so every tfjs op and every gradient that
 * multiplies matrices gets native speed with no change to the math code.
 */
import { tf } from './tf.ts';
import type { Blas } from './blas.ts';
import { heapView, type WasmBackend } from './heap.ts';
import { replaceWasmKernel } from './wasmKernels.ts';

/** Flat batch index of the input for the output batch index, with size-1 dims broadcast. */
function batchIndex(outIndex: number, outDims: number[], inDims: number[]): number {
  let index = 0;
  let stride = 1;
  let rest = outIndex;
  for (let axis = outDims.length - 1; axis >= 0; axis--) {
    const coordinate = rest % outDims[axis];
    rest = Math.floor(rest / outDims[axis]);
    const offset = axis - (outDims.length - inDims.length);
    if (offset < 0) continue;
    const size = inDims[offset];
    if (size !== 1) index += coordinate * stride;
    stride *= size;
  }
  return index;
}

function blasBatchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }, blas: Blas): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const a = args.inputs.a as tf.TensorInfo;
  const b = args.inputs.b as tf.TensorInfo;
  const transposeA = Boolean(args.attrs?.transposeA);
  const transposeB = Boolean(args.attrs?.transposeB);
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const kB = transposeB ? bCols : bRows;
  const n = transposeB ? bRows : bCols;
  if (k !== kB) throw new Error(`matMul: inner shapes ${k} and ${kB} of [${a.shape}] and [${b.shape}] do not match`);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch);
  const batches = outBatch.reduce((x, y) => x * y, 1);
  const out = backend.makeOutput([...outBatch, m, n], 'float32');
  if (m * n === 0) return out;
  const outData = heapView(backend, out);
  if (k === 0) {
    outData.fill(0);
    return out;
  }
  const aData = heapView(backend, a);
  const bData = heapView(backend, b);
  for (let batch = 0; batch < batches; batch++) {
    const aOffset = batchIndex(batch, outBatch, aBatch) * m * k;
    const bOffset = batchIndex(batch, outBatch, bBatch) * k * n;
    blas.sgemm(
      transposeA,
      transposeB,
      m,
      n,
      k,
      aData.subarray(aOffset, aOffset + m * k),
      transposeA ? m : k,
      bData.subarray(bOffset, bOffset + k * n),
      transposeB ? k : n,
      outData.subarray(batch * m * n, (batch + 1) * m * n),
      n,
    );
  }
  return out;
}

let inUse: Blas | null = null;

/** The BLAS behind the wasm matMul now (null: tfjs's own kernel). */
export function blasInUse(): Blas | null {
  return inUse;
}

/** Routes the wasm backend's matrix products to `blas`, or back to tfjs's own kernel (null). */
export function useBlasMatMul(blas: Blas | null): void {
  inUse = blas;
  replaceWasmKernel(
    'BatchMatMul',
    blas &&
      ((args, fallback) => {
        const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        // BLAS is float32 only; anything else keeps tfjs's own path
        if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
        return blasBatchMatMul(args, blas);
      }),
  );
}
