/**
 * Typed arrays a thread reuses from one cell to the next, for the large temporaries of Stage I.
 *
 * Every fresh ArrayBuffer counts as external memory to V8, and every 64 MB of them starts a full
 * mark of the heap (the buffers are only freed by a collection). The max-loss path of a
 * configs/mnist.json cell made 10–35 MB of float64 temporaries, so a collection ran every two or
 * three cells in each worker, and its marking threads took CPU from the other worker.
 *
 * A slot is named by its user and holds one array at a time: what `take` returns is valid until
 * the same slot is taken again, so it must not outlive the computation that took it. Slots over
 * SCRATCH_SLOT_LIMIT are not kept (a big cell's arrays are freed as before): a thread holds at
 * most a few of those limits for its life (configs/mnist.json's largest slot is 4.9 MB).
 */

export const SCRATCH_SLOT_LIMIT = 16 * 2 ** 20;

const float64Slots = new Map<string, Float64Array>();
const float32Slots = new Map<string, Float32Array>();

function take<T extends Float64Array | Float32Array>(slots: Map<string, T>, make: (length: number) => T, slot: string, length: number, zeroed: boolean): T {
  const held = slots.get(slot);
  if (held && held.length >= length) {
    const view = held.subarray(0, length) as T;
    if (zeroed) view.fill(0);
    return view;
  }
  const fresh = make(length);
  if (fresh.byteLength <= SCRATCH_SLOT_LIMIT) slots.set(slot, fresh);
  else slots.delete(slot);
  return fresh;
}

/** A float64 array of `length` from slot `slot` (zero-filled when `zeroed`, else holding whatever was there). */
export function scratchFloat64(slot: string, length: number, zeroed = false): Float64Array {
  return take(float64Slots, (n) => new Float64Array(n), slot, length, zeroed);
}

/** A float32 array of `length` from slot `slot` (zero-filled when `zeroed`, else holding whatever was there). */
export function scratchFloat32(slot: string, length: number, zeroed = false): Float32Array {
  return take(float32Slots, (n) => new Float32Array(n), slot, length, zeroed);
}
