/**
 * A replacement Slice kernel for tfjs's wasm backend that copies straight from heap to heap.
 * tfjs's own kernel first reads the whole input out with readSync (a fresh ArrayBuffer the size
 * of the input): slicing the bias row off a 785 × 784 Wᵀ copied all of it. Those copies were a
 * third of the ArrayBuffer bytes a configs/mnist.json run allocated, and every 64 MB of them makes
 * V8 mark the whole heap. Same values, same layout: only the copy out is gone.
 */
import { tf } from './tf.ts';
import { replaceWasmKernel, type KernelReplacement } from './wasmKernels.ts';

/** The parts of tfjs-backend-wasm's BackendWasm used here. */
interface SliceBackend {
  makeOutput(shape: number[], dtype: tf.TensorInfo['dtype']): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Copies the box `begin` + `size` of `input` (row-major, shape `shape`) into `out`, the last axis
 * one contiguous run at a time.
 */
export function copyBox(
  input: Float32Array | Int32Array | Uint8Array,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  out: Float32Array | Int32Array | Uint8Array,
): void {
  const rank = shape.length;
  if (size.some((s) => s === 0)) return;
  if (rank === 0) {
    out[0] = input[0];
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let axis = rank - 2; axis >= 0; axis--) strides[axis] = strides[axis + 1] * shape[axis + 1];
  const run = size[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  let outOffset = 0;
  for (;;) {
    let offset = begin[rank - 1];
    for (let axis = 0; axis < rank - 1; axis++) offset += (begin[axis] + index[axis]) * strides[axis];
    out.set(input.subarray(offset, offset + run), outOffset);
    outOffset += run;
    let axis = rank - 2;
    while (axis >= 0 && ++index[axis] === size[axis]) index[axis--] = 0;
    if (axis < 0) return;
  }
}

/** Puts the heap-to-heap Slice in place of tfjs's (true) or puts tfjs's back (false), on the wasm backend. */
export function useHeapSlice(enabled: boolean): void {
  replaceWasmKernel('Slice', enabled ? heapSlice : null);
}

const heapSlice: KernelReplacement = (args, fallback) => {
  const x = args.inputs.x as tf.TensorInfo;
  // strings live outside the heap: tfjs's own path
  if (x.dtype === 'string' || x.dtype === 'complex64') return fallback(args);
  const backend = args.backend as unknown as SliceBackend;
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, args.attrs!.begin as number[], args.attrs!.size as number[]);
  const out = backend.makeOutput(size, x.dtype);
  // views made after makeOutput, which may have grown (and so moved) the heap
  copyBox(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
};
