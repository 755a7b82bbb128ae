/**
 * Two float64 inner loops in WebAssembly SIMD, for the places where scalar JavaScript is the cost:
 * the max-loss Stage I's rank-4 Gram update and the sparse-query l1 scores. Each lane does the
 * JavaScript loop's own operations in its order (f64x2 add, sub, mul, abs are IEEE per lane, and
 * nothing is fused), so the results are the same bits; the tests hold both loops side by side.
 * The module is a few hundred bytes assembled here, so there is no build step and no binary file.
 * Where WebAssembly SIMD is missing, `simdKernels()` is null and the callers keep their loops.
 */

// --- a minimal WebAssembly binary writer (only what the two kernels use) ---

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const name = (text: string) => vec([...text].map((c) => [c.charCodeAt(0)]));

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  get: (index: number) => [0x20, ...uleb(index)],
  set: (index: number) => [0x21, ...uleb(index)],
  i32: (value: number) => [0x41, ...sleb(value)],
  add: [0x6a],
  mul: [0x6c],
  geU: [0x4f],
  loadI32: [0x28, 2, 0],
  loadF64: [0x2b, 3, 0],
  blockLoop: [0x02, 0x40, 0x03, 0x40],
  endLoopBlock: [0x0b, 0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  simd: (code: number, ...immediates: number[]) => [0xfd, ...uleb(code), ...immediates],
};
const v128Load = op.simd(0x00, 0, 0); // alignment hint 1: typed-array offsets are only 8-aligned
const v128Store = op.simd(0x0b, 0, 0);
const load64Zero = op.simd(0x5d, 0, 0);
const f64x2Splat = op.simd(0x14);
const promoteLow = op.simd(0x5f);
const f64x2Abs = op.simd(0xec);
const f64x2Add = op.simd(0xf0);
const f64x2Sub = op.simd(0xf1);
const f64x2Mul = op.simd(0xf2);

/** `counter += step` (i32 locals). */
const bump = (counter: number, step: number) => [...op.get(counter), ...op.i32(step), ...op.add, ...op.set(counter)];
/** `for (counter = 0; counter < limit; ...) { body }`: break out when counter ≥ limit. */
const loopUpTo = (counter: number, limit: number[], body: number[], step: number) => [
  ...op.i32(0),
  ...op.set(counter),
  ...op.blockLoop,
  ...op.get(counter),
  ...limit,
  ...op.geU,
  ...op.brIf(1),
  ...body,
  ...bump(counter, step),
  ...op.br(0),
  ...op.endLoopBlock,
];
const address = (base: number, offset: number) => [...op.get(base), ...op.get(offset), ...op.add];
const splatF64At = (base: number, index: number) => [...op.get(index), ...op.i32(8), ...op.mul, ...op.get(base), ...op.add, ...op.loadF64, ...f64x2Splat];

/**
 * gramUpdate(gram, a, b, u, v, n, even): for r < n, for even s < even (byte pointers, f64 arrays):
 * gram[r·n + s] −= a[r]·u[s] + b[r]·v[s] + u[r]·a[s] + v[r]·b[s], summed left to right.
 */
function gramUpdateBody(): number[] {
  const [gram, a, b, u, v, n, even] = [0, 1, 2, 3, 4, 5, 6];
  const [r, row, s, end, ar, br, ur, vr] = [7, 8, 9, 10, 11, 12, 13, 14];
  const inner = [
    ...address(row, s), // the store's address
    ...address(row, s),
    ...v128Load,
    ...op.get(ar), ...address(u, s), ...v128Load, ...f64x2Mul,
    ...op.get(br), ...address(v, s), ...v128Load, ...f64x2Mul, ...f64x2Add,
    ...op.get(ur), ...address(a, s), ...v128Load, ...f64x2Mul, ...f64x2Add,
    ...op.get(vr), ...address(b, s), ...v128Load, ...f64x2Mul, ...f64x2Add,
    ...f64x2Sub,
    ...v128Store,
  ];
  const outer = [
    ...splatF64At(a, r), ...op.set(ar),
    ...splatF64At(b, r), ...op.set(br),
    ...splatF64At(u, r), ...op.set(ur),
    ...splatF64At(v, r), ...op.set(vr),
    // row = gram + r·n·8
    ...op.get(r), ...op.get(n), ...op.mul, ...op.i32(8), ...op.mul, ...op.get(gram), ...op.add, ...op.set(row),
    ...loopUpTo(s, op.get(end), inner, 16),
  ];
  const setEnd = [...op.get(even), ...op.i32(8), ...op.mul, ...op.set(end)];
  return [...vec([[4, I32], [4, V128]].map(([count, type]) => [...uleb(count), type])), ...setEnd, ...loopUpTo(r, op.get(n), outer, 1), 0x0b];
}

/**
 * l1Overlaps(memoriesT, m, index, value, count, out, even): for t < count, for even c < even:
 * out[c] += x + y − |x − y| with x = value[t] (f64) and y = memoriesT[index[t]·m + c] (f32).
 */
function l1OverlapsBody(): number[] {
  const [memoriesT, m, index, value, count, out, even] = [0, 1, 2, 3, 4, 5, 6];
  const [t, row, c, end, x, y] = [7, 8, 9, 10, 11, 12];
  const inner = [
    // y = f64x2(memoriesT row's two f32 at byte c)
    ...address(row, c), ...load64Zero, ...promoteLow, ...op.set(y),
    // out + 2c: the f64 pair of memories c/4, c/4 + 1
    ...op.get(c), ...op.i32(2), ...op.mul, ...op.get(out), ...op.add,
    ...op.get(c), ...op.i32(2), ...op.mul, ...op.get(out), ...op.add,
    ...v128Load,
    ...op.get(x), ...op.get(y), ...f64x2Add,
    ...op.get(x), ...op.get(y), ...f64x2Sub, ...f64x2Abs,
    ...f64x2Sub,
    ...f64x2Add,
    ...v128Store,
  ];
  const outer = [
    ...splatF64At(value, t), ...op.set(x),
    // row = memoriesT + index[t]·m·4
    ...op.get(t), ...op.i32(4), ...op.mul, ...op.get(index), ...op.add, ...op.loadI32,
    ...op.get(m), ...op.mul, ...op.i32(4), ...op.mul, ...op.get(memoriesT), ...op.add, ...op.set(row),
    ...loopUpTo(c, op.get(end), inner, 8),
  ];
  const setEnd = [...op.get(even), ...op.i32(4), ...op.mul, ...op.set(end)];
  return [...vec([[4, I32], [2, V128]].map(([k, type]) => [...uleb(k), type])), ...setEnd, ...loopUpTo(t, op.get(count), outer, 1), 0x0b];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const sevenI32 = [0x60, ...vec(Array.from({ length: 7 }, () => [I32])), 0];
  const bodies = [gramUpdateBody(), l1OverlapsBody()];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([sevenI32])),
    ...section(3, vec([[0], [0]])),
    ...section(5, vec([[0x01, ...uleb(1), ...uleb(65536)]])), // memory: 1 page, up to 4 GiB
    ...section(7, vec([[...name('memory'), 0x02, 0], [...name('gramUpdate'), 0x00, 0], [...name('l1Overlaps'), 0x00, 1]])),
    ...section(10, vec(bodies.map((body) => [...uleb(body.length), ...body]))),
  ]);
}

type Kernel = (...pointers: number[]) => void;

/** The kernels and their memory; arrays they read are views of `memory` made with `reserve`. */
export interface SimdKernels {
  /** See gramUpdateBody: the even part of each row (the caller does an odd last column). */
  gramUpdate(gram: number, a: number, b: number, u: number, v: number, n: number, even: number): void;
  /** See l1OverlapsBody. */
  l1Overlaps(memoriesT: number, m: number, index: number, value: number, count: number, out: number, even: number): void;
  /**
   * Room for arrays of these byte sizes, each 16-aligned, from byte 0 of the memory (earlier views are
   * then invalid: one user at a time). Returns each array's byte offset, or null above
   * SIMD_MEMORY_LIMIT (a thread keeps its wasm memory: it never shrinks) or when it cannot grow.
   */
  reserve(sizes: number[]): number[] | null;
  memory(): ArrayBuffer;
}

/** Most bytes a thread's kernels may hold (128 MiB): the max loss up to n ≈ 2,900, l1 up to ~40,000 memories of 784 pixels. */
export const SIMD_MEMORY_LIMIT = 2 ** 27;

let kernels: SimdKernels | null | undefined;

let disabled = false;

/** Runs `work` with the kernels turned off: the callers' own loops, for the tests that compare the two. */
export function withoutSimd<T>(work: () => T): T {
  disabled = true;
  try {
    return work();
  } finally {
    disabled = false;
  }
}

/** This thread's kernels (compiled on first use), or null without WebAssembly SIMD or with UHOP_SIMD=off. */
export function simdKernels(): SimdKernels | null {
  if (disabled) return null;
  if (kernels !== undefined) return kernels;
  const bytes = moduleBytes();
  if (process.env.UHOP_SIMD === 'off' || !WebAssembly.validate(bytes)) return (kernels = null);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const memory = instance.exports.memory as WebAssembly.Memory;
  const exports = instance.exports as Record<string, Kernel>;
  kernels = {
    gramUpdate: exports.gramUpdate,
    l1Overlaps: exports.l1Overlaps,
    reserve(sizes) {
      const offsets: number[] = [];
      let end = 0;
      for (const size of sizes) {
        offsets.push(end);
        end += Math.ceil(size / 16) * 16;
      }
      if (end > SIMD_MEMORY_LIMIT) return null;
      const pages = Math.ceil(end / 65536) - memory.buffer.byteLength / 65536;
      try {
        if (pages > 0) memory.grow(pages);
      } catch {
        return null;
      }
      return offsets;
    },
    memory: () => memory.buffer,
  };
  return kernels;
}

/** The module's bytes (for the test that they validate). */
export const simdModuleBytes = moduleBytes;
