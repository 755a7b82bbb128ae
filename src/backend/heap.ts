/**
 * Float32 tensor values read in place on the wasm backend's heap, without dataSync()'s copy. A
 * block of 2²⁵ scores is 128 MB: copied out for each read (Δ_min's cosines, sparsemax's thresholds
 * at every step), it cost a fresh mapping and 32,000 page faults every time — 97 million faults and
 * 340 s of system time in the full-size Fashion run.
 */
import { tf } from './tf.ts';

/** The parts of tfjs-backend-wasm's BackendWasm read here. */
export interface WasmBackend {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPF32: Float32Array };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** A view of a wasm tensor's float32 data on the heap as it is now (the heap may have grown since the last call). */
export function heapView(backend: WasmBackend, tensor: tf.TensorInfo): Float32Array {
  const size = tensor.shape.reduce((a, b) => a * b, 1);
  const entry = backend.dataIdMap.get(tensor.dataId);
  if (!entry) throw new Error('tensor data not on the wasm heap');
  return new Float32Array(backend.wasm.HEAPF32.buffer, entry.memoryOffset, size);
}

/**
 * The values of a float32 tensor to read now: a view on the wasm heap (valid only until the next
 * tfjs op, which may grow the heap and move it: read it before making any tensor), elsewhere dataSync().
 */
export function peekValues(tensor: tf.Tensor): Float32Array {
  if (tensor.dtype === 'float32' && tf.getBackend() === 'wasm') return heapView(tf.backend() as unknown as WasmBackend, tensor);
  return tensor.dataSync() as Float32Array;
}

/**
 * A float32 tensor whose values `write` puts in place once, before any op reads them: on the wasm
 * backend straight into the heap memory the tensor will own (no JS array, no copy; `write` must
 * make no tensor meanwhile), elsewhere through a JS array.
 */
export function writtenTensor2d(rows: number, columns: number, write: (out: Float32Array) => void): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') {
    const values = new Float32Array(rows * columns);
    write(values);
    return tf.tensor2d(values, [rows, columns]);
  }
  const backend = tf.backend() as unknown as WasmBackend;
  const info = backend.makeOutput([rows, columns], 'float32');
  write(heapView(backend, info));
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
}
