/**
 * CIFAR-10 from the official binary files: each record is 1 label byte and 3072 pixel bytes,
 * channel-major (1024 red, 1024 green, 1024 blue, rows of 32).
 */
import { dirname } from 'node:path';
import { UserError } from '../errors.ts';
import { catalog } from './catalog.ts';
import { readDataFile } from './files.ts';
import { howToGet, locateSplit } from './locate.ts';
import { bytesToPixels } from './scale.ts';
import type { Pool } from './pool.ts';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

export interface CifarSpec {
  split: 'train' | 'test';
  scale: 'unit' | 'symmetric';
  /** chw: the files' (and torch's) order; hwc: pixel by pixel, r g b. */
  layout: 'chw' | 'hwc';
  grayscale: boolean;
}

/** One image's 3072 CHW bytes in the asked layout (or 1024 luma bytes). */
function arrange(chw: Uint8Array, spec: CifarSpec): Uint8Array {
  if (spec.grayscale) {
    const out = new Uint8Array(PLANE);
    for (let i = 0; i < PLANE; i++) out[i] = Math.round(0.299 * chw[i] + 0.587 * chw[PLANE + i] + 0.114 * chw[2 * PLANE + i]);
    return out;
  }
  if (spec.layout === 'chw') return chw;
  const out = new Uint8Array(3 * PLANE);
  for (let i = 0; i < PLANE; i++) for (let c = 0; c < 3; c++) out[3 * i + c] = chw[c * PLANE + i];
  return out;
}

export function loadCifarPool(spec: CifarSpec, dataDir?: string): Pool {
  const located = locateSplit('cifar10', spec.split, dataDir);
  const getThem = howToGet(catalog.cifar10);
  const reads = located.map((file) => readDataFile(file.path, getThem));
  const dim = spec.grayscale ? PLANE : 3 * PLANE;
  const count = reads.reduce((n, read) => {
    if (read.bytes.length === 0 || read.bytes.length % RECORD !== 0) {
      throw new UserError(`${read.path}: ${read.bytes.length} bytes is not a whole number of ${RECORD}-byte CIFAR-10 records (truncated or corrupt)\n${getThem}`);
    }
    return n + read.bytes.length / RECORD;
  }, 0);
  const pixels = new Uint8Array(count * dim);
  const labels = new Int32Array(count);
  let k = 0;
  for (const read of reads) {
    for (let offset = 0; offset < read.bytes.length; offset += RECORD, k++) {
      labels[k] = read.bytes[offset];
      if (labels[k] > 9) throw new UserError(`${read.path}: record ${k} has label ${labels[k]}, not 0..9 (corrupt file?)`);
      pixels.set(arrange(read.bytes.subarray(offset + 1, offset + RECORD), spec), k * dim);
    }
  }
  return {
    name: 'cifar10',
    dim,
    count,
    images: bytesToPixels(pixels, spec.scale),
    labels,
    source: dirname(located[0].path),
    split: spec.split,
    files: reads.map(({ path, sha256 }) => ({ path, sha256 })),
  };
}
