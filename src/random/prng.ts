/**
 * Seeded pseudo-random numbers. tfjs has no global seed, so every random draw of a cell
 * (memory set, corruption masks, noise, Φ init) comes from a stream derived from
 * (seed, purpose): the same config and seed give the same numbers on every backend.
 */

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
}

/** cyrb128: a 128-bit string hash, used to turn "seed/purpose" into a generator state. */
function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), 32-bit output. The state is kept as
 * int32 (`| 0`): the same bits as uint32, but small integers to V8, where uint32 values above 2³¹
 * would be boxed doubles and a draw would cost an allocation. A class, not a closure: every
 * generator's `next` is then the one function, which the loops that draw (normal draws, masks,
 * permutations) inline; a closure per generator was a new call target in every cell, and each one
 * deoptimised them again.
 */
class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
  }

  next(): number {
    const { a, b, c } = this;
    const d = (this.d + 1) | 0;
    const t = (((a + b) | 0) + d) | 0;
    this.d = d;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    return (t >>> 0) / 4294967296;
  }
}

export function sfc32(a: number, b: number, c: number, d: number): Rng {
  return new Sfc32(a, b, c, d);
}

/** The generator for one purpose of one cell; `parts` name the purpose, e.g. (seed, "memory-set"). */
export function rngFor(...parts: Array<string | number>): Rng {
  const rng = sfc32(...hash128(parts.join('/')));
  for (let i = 0; i < 15; i++) rng.next(); // discard the first outputs, as sfc32's author advises
  return rng;
}

/** Standard normal draws (Box–Muller), `count` of them, as float32. */
export function normalArray(rng: Rng, count: number, std = 1): Float32Array {
  return fillNormal(rng, new Float32Array(count), std);
}

/** normalArray's draws written into `out` (all of it), which is returned. */
export function fillNormal(rng: Rng, out: Float32Array, std = 1): Float32Array {
  const count = out.length;
  for (let i = 0; i < count; i += 2) {
    const u1 = 1 - rng.next(); // (0, 1]: log is finite
    const u2 = rng.next();
    const radius = Math.sqrt(-2 * Math.log(u1)) * std;
    out[i] = radius * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(rng: Rng, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}
