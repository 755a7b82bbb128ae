/**
 * Adam for one weight tensor, in one pass over its values on the wasm heap: the same float32
 * arithmetic, op by op, as tfjs's AdamOptimizer (β₁ = 0.9, β₂ = 0.999, ε = the backend's 1e-7):
 *   m ← m·β₁ + g·(1 − β₁),  v ← v·β₂ + g²·(1 − β₂),
 *   w ← (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε) · (−lr) + w,   β₁ᵗ ← β₁ᵗ·β₁, β₂ᵗ ← β₂ᵗ·β₂,
 * every product, sum, quotient and root rounded to float32 as each of tfjs's kernels rounds it (the
 * tests hold the two side by side, bit for bit). tfjs ran ten kernels a step, each over the whole
 * tensor: 3 ms a step for U-Hop+'s 785 × 200 weights, a third of its Stage I. Other backends keep
 * tfjs's optimiser (`adamFor`).
 */
import { tf } from '../backend/tf.ts';
import { heapView, writtenTensor2d, type WasmBackend } from '../backend/heap.ts';
import { placeArrays, simdKernels, type SimdKernels } from '../backend/simd.ts';

const f32 = Math.fround;

/** What the trainer calls: tfjs's AdamOptimizer, or the fused one on wasm with WebAssembly SIMD. */
export interface AdamStep {
  /** Moves `weights` (a variable) one Adam step along `gradient` (the caller still owns it). */
  step(weights: tf.Variable, gradient: tf.Tensor): void;
  dispose(): void;
}

const BETA1 = 0.9;
const BETA2 = 0.999;

/**
 * One step over every value; a function of its own over plain arguments (in the step's closure, the
 * loop ran 15× slower). `c`: β₁, β₂, 1 − β₁, 1 − β₂, 1 − β₁ᵗ, 1 − β₂ᵗ, ε, −lr, all float32.
 */
function adamPass(g: Float32Array, w: Float32Array, first: Float32Array, second: Float32Array, out: Float32Array, c: Float32Array, from: number): void {
  const beta1 = c[0];
  const beta2 = c[1];
  const keep1 = c[2];
  const keep2 = c[3];
  const correction1 = c[4];
  const correction2 = c[5];
  const epsilon = c[6];
  const negativeRate = c[7];
  const count = out.length;
  for (let i = from; i < count; i++) {
    const gi = g[i];
    const m = Math.fround(Math.fround(first[i] * beta1) + Math.fround(gi * keep1));
    const v = Math.fround(Math.fround(second[i] * beta2) + Math.fround(Math.fround(gi * gi) * keep2));
    first[i] = m;
    second[i] = v;
    const denominator = Math.fround(Math.fround(Math.sqrt(Math.fround(v / correction2))) + epsilon);
    out[i] = Math.fround(Math.fround(Math.fround(Math.fround(m / correction1) / denominator) * negativeRate) + w[i]);
  }
}

class FusedAdam implements AdamStep {
  private first: Float32Array | null = null;
  private second: Float32Array | null = null;
  // tfjs keeps βᵗ in float32 scalars, starting at β and multiplied by β after each step
  private beta1Power = f32(BETA1);
  private beta2Power = f32(BETA2);

  constructor(
    private readonly learningRate: number,
    private readonly kernels: SimdKernels,
  ) {}

  step(weights: tf.Variable, gradient: tf.Tensor): void {
    const [rows, columns] = weights.shape as [number, number];
    const count = rows * columns;
    const first = (this.first ??= new Float32Array(count));
    const second = (this.second ??= new Float32Array(count));
    const beta1 = f32(BETA1);
    const beta2 = f32(BETA2);
    const keep1 = f32(1 - BETA1);
    const keep2 = f32(1 - BETA2);
    const correction1 = f32(1 - this.beta1Power);
    const correction2 = f32(1 - this.beta2Power);
    const epsilon = f32(tf.backend().epsilon());
    const negativeRate = f32(-this.learningRate);
    const constants = Float32Array.of(beta1, beta2, keep1, keep2, correction1, correction2, epsilon, negativeRate);
    const { kernels } = this;
    const placed = placeArrays(kernels, { g: ['f32', count], w: ['f32', count], m: ['f32', count], v: ['f32', count], out: ['f32', count], c: ['f32', 8] });
    const updated = writtenTensor2d(rows, columns, (out) => {
      // views made after the output's allocation, which may have moved the heap
      const backend = tf.backend() as unknown as WasmBackend;
      const [g, w] = [heapView(backend, gradient), heapView(backend, weights)];
      // the kernel takes the values four at a time, the loop the last few (or all, without room for the kernel's arrays)
      const whole = placed ? count - (count % 4) : 0;
      if (placed) {
        const { views, offsets } = placed;
        views.g.set(g);
        views.w.set(w);
        views.m.set(first);
        views.v.set(second);
        views.c.set(constants);
        kernels.adam(offsets.g, offsets.w, offsets.m, offsets.v, offsets.out, whole / 4, offsets.c);
        out.set(views.out.subarray(0, whole));
        first.set(views.m.subarray(0, whole));
        second.set(views.v.subarray(0, whole));
      }
      adamPass(g, w, first, second, out, constants, whole);
    });
    weights.assign(updated);
    updated.dispose();
    this.beta1Power = f32(this.beta1Power * beta1);
    this.beta2Power = f32(this.beta2Power * beta2);
  }

  dispose(): void {
    this.first = this.second = null;
  }
}

/** tfjs's own optimiser, where the fused pass was not checked against it (other backends). */
function tfjsAdam(learningRate: number): AdamStep {
  const adam = tf.train.adam(learningRate, BETA1, BETA2);
  return {
    step: (weights, gradient) => adam.applyGradients([{ name: weights.name, tensor: gradient }]),
    dispose: () => adam.dispose(),
  };
}

/** Adam at this learning rate for a float32 weight matrix: fused on wasm, tfjs's elsewhere (or with `tfjs`). */
export function adamFor(learningRate: number, options: { tfjs?: boolean } = {}): AdamStep {
  const kernels = simdKernels();
  return tf.getBackend() === 'wasm' && kernels && !options.tfjs ? new FusedAdam(learningRate, kernels) : tfjsAdam(learningRate);
}
