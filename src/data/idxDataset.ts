/** Full MNIST and Fashion-MNIST pools from IDX files (gzipped or not). */
import { dirname } from 'node:path';
import { UserError } from '../errors.ts';
import { catalog } from './catalog.ts';
import { readDataFile } from './files.ts';
import { IMAGES_MAGIC, LABELS_MAGIC, parseIdx } from './idx.ts';
import { howToGet, locateSplit } from './locate.ts';
import { bytesToPixels } from './scale.ts';
import type { Pool } from './pool.ts';

export interface IdxSpec {
  name: 'mnist-full' | 'fashion-mnist';
  split: 'train' | 'test';
  scale: 'unit' | 'symmetric';
}

export function loadIdxPool(spec: IdxSpec, dataDir?: string): Pool {
  const [imagesFile, labelsFile] = locateSplit(spec.name, spec.split, dataDir);
  const getThem = howToGet(catalog[spec.name]);
  const imagesRead = readDataFile(imagesFile.path, getThem);
  const labelsRead = readDataFile(labelsFile.path, getThem);
  const images = parseIdx(imagesRead.bytes, imagesFile.path, IMAGES_MAGIC);
  const labels = parseIdx(labelsRead.bytes, labelsFile.path, LABELS_MAGIC);
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new UserError(`${labelsFile.path}: ${labels.dims[0]} labels for ${count} images in ${imagesFile.path}`);
  }
  return {
    name: spec.name,
    dim: rows * cols,
    count,
    images: bytesToPixels(images.data, spec.scale),
    labels: Int32Array.from(labels.data),
    source: dirname(imagesFile.path),
    split: spec.split,
    files: [imagesRead, labelsRead].map(({ path, sha256 }) => ({ path, sha256 })),
  };
}
