/**
 * Query corruptions, one small function per config name. Inputs and outputs are row-major
 * (rows × dim); every random draw comes from the cell's `rng` for the purpose "query".
 */
import type { CorruptionSpec } from '../config/schema.ts';
import { normalArray, type Rng } from '../random/prng.ts';
import { applyCorruptionPlugin, type PluginSet } from '../plugins/contract.ts';

type BuiltinType = Exclude<CorruptionSpec['type'], 'plugin'>;

type Corruption<T extends BuiltinType> = (
  images: Float32Array,
  dim: number,
  spec: Extract<CorruptionSpec, { type: T }>,
  rng: Rng,
) => Float32Array;

/** Zero each pixel with probability p; survivors scaled by `scale`. */
function zeroPixels(images: Float32Array, p: number, scale: number, rng: Rng): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = rng.next() < p ? 0 : images[i] * scale;
  return out;
}

const absClamp = (value: number): number => Math.min(Math.abs(value), 1);

/** Adds noise rows; `absClamp` maps each pixel to clamp(|x + noise|, 0, 1) as the official scripts. */
function addNoise(images: Float32Array, noise: Float32Array, clamp: boolean): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) {
    const value = images[i] + noise[i];
    out[i] = clamp ? absClamp(value) : value;
  }
  return out;
}

const dropout: Corruption<'dropout'> = (images, _dim, spec, rng) =>
  // torch.dropout(x, p, train=True): inverted dropout, survivors × 1/(1-p)
  zeroPixels(images, spec.p, spec.rescale ? 1 / (1 - spec.p) : 1, rng);

const mask: Corruption<'mask'> = (images, _dim, spec, rng) => zeroPixels(images, spec.p, 1, rng);

const gaussian: Corruption<'gaussian'> = (images, _dim, spec, rng) =>
  addNoise(images, normalArray(rng, images.length, spec.sigma), spec.absClamp);

const gaussianNorm: Corruption<'gaussian-norm'> = (images, dim, spec, rng) => {
  // sigma · g/‖g‖ per row: a Gaussian direction with L2 norm exactly sigma
  const noise = normalArray(rng, images.length);
  for (let row = 0; row < images.length / dim; row++) {
    const slice = noise.subarray(row * dim, (row + 1) * dim);
    let sumSq = 0;
    for (const v of slice) sumSq += v * v;
    const scale = spec.sigma / Math.sqrt(sumSq);
    for (let i = 0; i < dim; i++) slice[i] *= scale;
  }
  return addNoise(images, noise, spec.absClamp);
};

const none: Corruption<'none'> = (images) => images.slice();

const corruptions: { [T in BuiltinType]: Corruption<T> } = {
  dropout,
  mask,
  gaussian,
  'gaussian-norm': gaussianNorm,
  none,
};

/** `plugins`: where a corruption of type "plugin" is found by name. */
export function corrupt(images: Float32Array, dim: number, spec: CorruptionSpec, rng: Rng, plugins?: PluginSet): Float32Array {
  if (spec.type === 'plugin') {
    const plugin = plugins?.corruptions.get(spec.name);
    if (!plugin) throw new Error(`no corruption plugin "${spec.name}"`);
    return applyCorruptionPlugin(plugin, images, dim, { random: () => rng.next() });
  }
  const apply = corruptions[spec.type] as Corruption<typeof spec.type>;
  return apply(images, dim, spec, rng);
}
