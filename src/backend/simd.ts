/**
 * Inner loops in WebAssembly SIMD, for the places where scalar JavaScript is the cost: the
 * max-loss Stage I's rank-4 Gram update, closest-pair scan and feature moves, the l1 scores
 * (sparse and dense queries), all in float64, and Adam's float32 step. Each lane does the
 * JavaScript loop's (or tfjs kernel's) own operations in its order (f64x2 and f32x4 add, sub,
 * mul, div, sqrt, abs are IEEE per lane, and nothing is fused), so the results are the same bits;
 * the tests hold both side by side.
 * The module is a few hundred bytes assembled here, so there is no build step and no binary file.
 * Where WebAssembly SIMD is missing, `simdKernels()` is null and the callers keep their loops.
 */

// --- a minimal WebAssembly binary writer (only what the kernels below use) ---

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
const F64 = 0x7c;
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
const f64x2Gt = op.simd(0x4a);
const bitselect = op.simd(0x52);
const f32x4Splat = op.simd(0x13);
const f32x4Sqrt = op.simd(0xe3);
const f32x4Add = op.simd(0xe4);
const f32x4Mul = op.simd(0xe6);
const f32x4Div = op.simd(0xe7);
const loadF32 = [0x2a, 2, 0];
const v128Const = (a: number, b: number) => op.simd(0x0c, ...new Uint8Array(Float64Array.of(a, b).buffer));
const locals = (groups: Array<[number, number]>) => vec(groups.map(([count, type]) => [...uleb(count), type]));

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
  return [...locals([[4, I32], [4, V128]]), ...setEnd, ...loopUpTo(r, op.get(n), outer, 1), 0x0b];
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
  return [...locals([[4, I32], [2, V128]]), ...setEnd, ...loopUpTo(t, op.get(count), outer, 1), 0x0b];
}

/**
 * closestRow(row, inverse, scale, pairs, out): over k < 2·pairs, c_k = (row[k]·scale)·inverse[k]
 * (f64 arrays); for the even k and for the odd k apart, the first largest c_k (strictly larger
 * replaces, as the JS scan). out: [best even, best odd, its k, its k] (f64; −∞ and 0 when none).
 */
function closestRowBody(): number[] {
  const [row, inverse, scale, pairs, out] = [0, 1, 2, 3, 4];
  const [k, end, best, bestAt, at, two, scaled, c, larger] = [5, 6, 7, 8, 9, 10, 11, 12, 13];
  const inner = [
    ...address(row, k), ...v128Load, ...op.get(scaled), ...f64x2Mul, ...address(inverse, k), ...v128Load, ...f64x2Mul, ...op.set(c),
    ...op.get(c), ...op.get(best), ...f64x2Gt, ...op.set(larger),
    ...op.get(c), ...op.get(best), ...op.get(larger), ...bitselect, ...op.set(best),
    ...op.get(at), ...op.get(bestAt), ...op.get(larger), ...bitselect, ...op.set(bestAt),
    ...op.get(at), ...op.get(two), ...f64x2Add, ...op.set(at),
  ];
  return [
    ...locals([[2, I32], [7, V128]]),
    ...op.get(pairs), ...op.i32(16), ...op.mul, ...op.set(end),
    ...v128Const(-Infinity, -Infinity), ...op.set(best),
    ...v128Const(0, 0), ...op.set(bestAt),
    ...v128Const(0, 1), ...op.set(at),
    ...v128Const(2, 2), ...op.set(two),
    ...op.get(scale), ...f64x2Splat, ...op.set(scaled),
    ...loopUpTo(k, op.get(end), inner, 16),
    ...op.get(out), ...op.get(best), ...v128Store,
    ...op.get(out), ...op.i32(16), ...op.add, ...op.get(bestAt), ...v128Store,
    0x0b,
  ];
}

/** axpy2(y, x1, x2, a, b, even): y[k] −= a·x1[k] + b·x2[k] for k < even (f64 arrays). */
function axpy2Body(): number[] {
  const [y, x1, x2, a, b, even] = [0, 1, 2, 3, 4, 5];
  const [k, end, av, bv] = [6, 7, 8, 9];
  const inner = [
    ...address(y, k),
    ...address(y, k), ...v128Load,
    ...op.get(av), ...address(x1, k), ...v128Load, ...f64x2Mul,
    ...op.get(bv), ...address(x2, k), ...v128Load, ...f64x2Mul, ...f64x2Add,
    ...f64x2Sub,
    ...v128Store,
  ];
  return [
    ...locals([[2, I32], [2, V128]]),
    ...op.get(even), ...op.i32(8), ...op.mul, ...op.set(end),
    ...op.get(a), ...f64x2Splat, ...op.set(av),
    ...op.get(b), ...f64x2Splat, ...op.set(bv),
    ...loopUpTo(k, op.get(end), inner, 16),
    0x0b,
  ];
}

/**
 * l1Dense(q, memories, count, dim4, rowBytes, out): for each memory c < count (f32 rows of rowBytes),
 * the four running sums of |q_k − ξ_k| over k < dim4 (k mod 4 picks the sum, as the JS loop), in
 * float64: out[4c … 4c + 3] (the caller adds an odd tail to the first and sums them).
 */
function l1DenseBody(): number[] {
  const [q, memories, count, dim4, rowBytes, out] = [0, 1, 2, 3, 4, 5];
  const [c, row, k, end, first, second] = [6, 7, 8, 9, 10, 11];
  // the f64 pair of entries k, k + 1 (byte offset k, plus `offset`) of a f32 row
  const pair = (base: number, offset: number) => [...address(base, k), ...op.simd(0x5d, 0, offset), ...promoteLow];
  const accumulate = (sum: number, offset: number) => [
    ...op.get(sum), ...pair(q, offset), ...pair(row, offset), ...f64x2Sub, ...f64x2Abs, ...f64x2Add, ...op.set(sum),
  ];
  const inner = [...accumulate(first, 0), ...accumulate(second, 8)];
  const outer = [
    ...op.get(c), ...op.get(rowBytes), ...op.mul, ...op.get(memories), ...op.add, ...op.set(row),
    ...v128Const(0, 0), ...op.set(first),
    ...v128Const(0, 0), ...op.set(second),
    ...loopUpTo(k, op.get(end), inner, 16),
    // out + 32c: sums 0, 1 then 2, 3
    ...op.get(c), ...op.i32(32), ...op.mul, ...op.get(out), ...op.add, ...op.get(first), ...v128Store,
    ...op.get(c), ...op.i32(32), ...op.mul, ...op.get(out), ...op.add, ...op.i32(16), ...op.add, ...op.get(second), ...v128Store,
  ];
  return [...locals([[4, I32], [2, V128]]), ...op.get(dim4), ...op.i32(4), ...op.mul, ...op.set(end), ...loopUpTo(c, op.get(count), outer, 1), 0x0b];
}

/**
 * adam(g, w, m, v, out, count4, c): one Adam step over the first count4 values (a multiple of 4)
 * of f32 arrays, four at a time, in tfjs's AdamOptimizer's float32 ops (each f32x4 op is IEEE per
 * lane, nothing fused): m ← m·β₁ + g·k₁, v ← v·β₂ + (g·g)·k₂, out = ((m / c₁) / (√(v / c₂) + ε))·r + w,
 * with c (8 f32) = β₁, β₂, k₁, k₂, c₁, c₂, ε, r.
 */
function adamBody(): number[] {
  const [g, w, m, v, out, count4, c] = [0, 1, 2, 3, 4, 5, 6];
  const [i, end, beta1, beta2, keep1, keep2, correction1, correction2, epsilon, rate, gv, mv, vv] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const constant = (index: number, local: number) => [...op.get(c), ...op.i32(4 * index), ...op.add, ...loadF32, ...f32x4Splat, ...op.set(local)];
  const inner = [
    ...address(g, i), ...v128Load, ...op.set(gv),
    // m' = m·β₁ + g·k₁, stored
    ...op.get(m), ...op.get(i), ...op.add,
    ...address(m, i), ...v128Load, ...op.get(beta1), ...f32x4Mul, ...op.get(gv), ...op.get(keep1), ...f32x4Mul, ...f32x4Add, ...op.set(mv),
    ...op.get(mv), ...v128Store,
    // v' = v·β₂ + (g·g)·k₂, stored
    ...op.get(v), ...op.get(i), ...op.add,
    ...address(v, i), ...v128Load, ...op.get(beta2), ...f32x4Mul, ...op.get(gv), ...op.get(gv), ...f32x4Mul, ...op.get(keep2), ...f32x4Mul, ...f32x4Add, ...op.set(vv),
    ...op.get(vv), ...v128Store,
    // out = ((m' / c₁) / (√(v' / c₂) + ε))·r + w
    ...address(out, i),
    ...op.get(mv), ...op.get(correction1), ...f32x4Div,
    ...op.get(vv), ...op.get(correction2), ...f32x4Div, ...f32x4Sqrt, ...op.get(epsilon), ...f32x4Add,
    ...f32x4Div, ...op.get(rate), ...f32x4Mul,
    ...address(w, i), ...v128Load, ...f32x4Add,
    ...v128Store,
  ];
  return [
    ...locals([[2, I32], [11, V128]]),
    ...constant(0, beta1), ...constant(1, beta2), ...constant(2, keep1), ...constant(3, keep2),
    ...constant(4, correction1), ...constant(5, correction2), ...constant(6, epsilon), ...constant(7, rate),
    ...op.get(count4), ...op.i32(16), ...op.mul, ...op.set(end),
    ...loopUpTo(i, op.get(end), inner, 16),
    0x0b,
  ];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const functionType = (params: number[]) => [0x60, ...vec(params.map((type) => [type])), 0];
  const sevenI32 = functionType([I32, I32, I32, I32, I32, I32, I32]);
  const closestRowType = functionType([I32, I32, F64, I32, I32]);
  const axpy2Type = functionType([I32, I32, I32, F64, F64, I32]);
  const sixI32 = functionType([I32, I32, I32, I32, I32, I32]);
  const bodies = [gramUpdateBody(), l1OverlapsBody(), closestRowBody(), axpy2Body(), l1DenseBody(), adamBody()];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([sevenI32, closestRowType, axpy2Type, sixI32])),
    ...section(3, vec([[0], [0], [1], [2], [3], [0]])),
    ...section(5, vec([[0x01, ...uleb(1), ...uleb(65536)]])), // memory: 1 page, up to 4 GiB
    ...section(7, vec([[...name('memory'), 0x02, 0], [...name('gramUpdate'), 0x00, 0], [...name('l1Overlaps'), 0x00, 1], [...name('closestRow'), 0x00, 2], [...name('axpy2'), 0x00, 3], [...name('l1Dense'), 0x00, 4], [...name('adam'), 0x00, 5]])),
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
  /** See closestRowBody. */
  closestRow(row: number, inverse: number, scale: number, pairs: number, out: number): void;
  /** See axpy2Body. */
  axpy2(y: number, x1: number, x2: number, a: number, b: number, even: number): void;
  /** See l1DenseBody. */
  l1Dense(q: number, memories: number, count: number, dim4: number, rowBytes: number, out: number): void;
  /** See adamBody. */
  adam(g: number, w: number, m: number, v: number, out: number, count4: number, c: number): void;
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
    closestRow: exports.closestRow,
    axpy2: exports.axpy2,
    l1Dense: exports.l1Dense,
    adam: exports.adam,
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

type ElementKind = 'f32' | 'f64' | 'i32';
/** Named arrays to place: element kind and length of each. */
export type ArrayLayout = Record<string, readonly [ElementKind, number]>;
type ViewOf<K extends ElementKind> = K extends 'f32' ? Float32Array : K extends 'i32' ? Int32Array : Float64Array;

/** A layout's arrays in the kernels' memory: views to read and write, byte offsets to hand the kernels. */
export interface PlacedArrays<L extends ArrayLayout> {
  views: { [Name in keyof L]: ViewOf<L[Name][0]> };
  offsets: { [Name in keyof L]: number };
}

const BYTES: Record<ElementKind, number> = { f32: 4, f64: 8, i32: 4 };
const VIEWS = { f32: Float32Array, f64: Float64Array, i32: Int32Array };

/** Reserves the layout's arrays (see `reserve`: one user at a time); null when there is no room. */
export function placeArrays<L extends ArrayLayout>(kernels: SimdKernels, layout: L): PlacedArrays<L> | null {
  const names = Object.keys(layout) as Array<keyof L & string>;
  const place = kernels.reserve(names.map((name) => BYTES[layout[name][0]] * layout[name][1]));
  if (!place) return null;
  const buffer = kernels.memory();
  const views = {} as Record<string, Float32Array | Float64Array | Int32Array>;
  const offsets = {} as Record<string, number>;
  names.forEach((name, k) => {
    const [kind, length] = layout[name];
    offsets[name] = place[k];
    views[name] = new VIEWS[kind](buffer, place[k], length);
  });
  return { views, offsets } as PlacedArrays<L>;
}
