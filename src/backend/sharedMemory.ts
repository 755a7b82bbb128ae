/** Typed arrays on SharedArrayBuffers: what worker threads read without a copy (data sets, a big cell's inputs). */

/** A copy of `values` on a SharedArrayBuffer (returned as is when it already is on one). */
export function shared<T extends Float32Array | Int32Array>(values: T): T {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const copy = new (values.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(values.byteLength));
  copy.set(values as never);
  return copy;
}
