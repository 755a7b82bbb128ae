/**
 * Checks before anything runs (`uhop validate`, `uhop run` with or without --dry-run, `uhop reproduce`):
 * the memory counts against the pool's size, pinned indices against the pool, and the memory a cell
 * needs against the machine's. Sizes come from the spec alone (src/data/poolSize.ts): nothing is loaded.
 */
import { totalmem } from 'node:os';
import type { ResolvedConfig } from '../config/parity.ts';
import { UserError } from '../errors.ts';
import { BLOCK_ENTRIES } from '../backend/blocks.ts';
import { poolShape, type PoolShape } from '../data/poolSize.ts';

/** Values one JavaScript typed array can hold (V8 on 64-bit). */
export const MAX_ARRAY_VALUES = 2 ** 32;
const FLOAT = 4;

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function poolLabel(config: ResolvedConfig, shape: PoolShape): string {
  const dataset = config.dataset;
  if ('split' in dataset) return `the ${shape.count.toLocaleString('en')} ${dataset.split} images of ${dataset.name}`;
  if (dataset.name === 'mnist') return `the ${shape.count.toLocaleString('en')} images of mnist`;
  return `the ${shape.count.toLocaleString('en')} points of ${dataset.name} (dataset.count)`;
}

function queryCount(config: ResolvedConfig, memories: number, shape: PoolShape): number {
  const pinned = config.dataset.queryIndices?.length;
  if (config.queries.from === 'memories') return pinned ?? memories;
  if (config.queries.from === 'pool') return pinned ?? config.queries.count ?? memories;
  return pinned ?? config.queries.count ?? shape.testCount ?? 0;
}

function poolProblems(config: ResolvedConfig, shape: PoolShape): string[] {
  const problems: string[] = [];
  const { dataset, queries } = config;
  const largest = Math.max(...config.memories);
  const smallest = Math.min(...config.memories);
  const label = poolLabel(config, shape);
  if (dataset.indices) {
    if (dataset.indices.length < largest) problems.push(`dataset.indices has ${dataset.indices.length} entries, but memories asks for M = ${largest}`);
    const outside = dataset.indices.find((k) => k >= shape.count);
    if (outside !== undefined) problems.push(`dataset.indices: ${outside} is outside ${label} (0..${shape.count - 1})`);
    const used = dataset.indices.slice(0, largest);
    if (new Set(used).size !== used.length) problems.push('dataset.indices: the memories must be distinct');
  } else if (largest > shape.count) {
    problems.push(`memories: M = ${largest} exceeds ${label}`);
  }
  const pinned = dataset.queryIndices;
  if (pinned && queries.from === 'memories' && dataset.indices) {
    const memorySet = new Set(dataset.indices.slice(0, smallest));
    const stray = pinned.find((k) => !memorySet.has(k));
    if (stray !== undefined) problems.push(`dataset.queryIndices: ${stray} is not among the first M = ${smallest} dataset.indices (a memory of every cell)`);
  }
  if (pinned && queries.from !== 'memories') {
    const size = queries.from === 'test' ? (shape.testCount ?? 0) : shape.count;
    const outside = pinned.find((k) => k >= size);
    const where = queries.from === 'test' ? `the ${size.toLocaleString('en')} test images of ${dataset.name}` : label;
    if (outside !== undefined) problems.push(`dataset.queryIndices: ${outside} is outside ${where} (0..${size - 1})`);
  }
  if (!pinned && queries.from === 'pool') {
    const wanted = queries.count ?? largest;
    if (largest + wanted > shape.count) {
      const what = queries.count === undefined ? `queries.from "pool": M = ${largest} memories and as many other images as queries` : `queries.count: ${wanted} queries besides M = ${largest} memories`;
      problems.push(`${what} need ${largest + wanted} images, but the pool is ${label}`);
    }
  }
  if (!pinned && queries.from === 'test' && queries.count !== undefined && shape.testCount !== null && queries.count > shape.testCount) {
    problems.push(`queries.count: ${queries.count} exceeds the ${shape.testCount.toLocaleString('en')} test images of ${dataset.name}`);
  }
  if (config.models.some((model) => model.featureMap) && config.featureMap.trainOn === 'first-half' && Math.floor(smallest / 2) < 2) {
    problems.push(`memories: M = ${smallest} with featureMap.trainOn "first-half" trains Stage I on ${Math.floor(smallest / 2)} memories; it needs at least 2`);
  }
  return problems;
}

/** A lower bound of the bytes one cell holds at once (float32): pool, memories and queries, Φ and its features, score blocks. */
export function cellBytes(config: ResolvedConfig, memories: number, featureDim: number | null, shape: PoolShape): number {
  const d = shape.dim;
  const queries = queryCount(config, memories, shape);
  const pool = (shape.count + (config.queries.from === 'test' ? (shape.testCount ?? 0) : 0)) * d;
  const rows = 2 * (memories + queries) * d; // the rows in JS and as tensors
  const scores = Math.min(queries * memories, BLOCK_ENTRIES);
  let stageI = 0;
  if (config.models.some((model) => model.featureMap)) {
    const D = featureDim ?? d;
    const trained = config.featureMap.trainOn === 'first-half' ? Math.floor(memories / 2) : memories;
    const batch = Math.min(config.featureMap.batchSize ?? trained, trained);
    stageI = 2 * (d + 1) * D + (memories + queries) * D + batch * batch; // W₀ and W, Φ(Ξ) and Φ(queries), the Gram matrix
  }
  return FLOAT * (pool + rows + scores + stageI);
}

function sizeProblems(config: ResolvedConfig, shape: PoolShape, machineBytes: number): string[] {
  const problems: string[] = [];
  const poolValues = shape.count * shape.dim;
  const synthetic = config.dataset.name === 'synthetic-sphere' || config.dataset.name === 'synthetic-clusters';
  const field = synthetic ? 'dataset.count' : 'dataset';
  const poolText = `${shape.count.toLocaleString('en')} points × d = ${shape.dim} are ${poolValues.toExponential(2)} float32 values (${formatBytes(FLOAT * poolValues)})`;
  if (poolValues > MAX_ARRAY_VALUES) {
    return [`${field}: ${poolText}; one array holds at most 2^32 values: lower dataset.count`];
  }
  if (FLOAT * poolValues > machineBytes) return [`${field}: ${poolText}; this machine has ${formatBytes(machineBytes)}`];
  const dims = config.featureMap.dim ?? [null];
  let worst = { bytes: 0, memories: 0, featureDim: null as number | null };
  for (const memories of config.memories) {
    for (const featureDim of dims) {
      const bytes = cellBytes(config, memories, featureDim, shape);
      if (bytes > worst.bytes) worst = { bytes, memories, featureDim };
    }
  }
  if (worst.bytes > machineBytes) {
    const learned = config.models.some((model) => model.featureMap);
    const where = worst.featureDim !== null && learned ? `featureMap.dim: D_Φ = ${worst.featureDim} with M = ${worst.memories}` : `memories: M = ${worst.memories}`;
    const weights = learned ? `, Φ's weights ${shape.dim + 1} × ${worst.featureDim ?? shape.dim}` : '';
    problems.push(
      `${where}: a cell needs at least ${formatBytes(worst.bytes)} (float32: the pool, ${worst.memories} memories and their queries${weights} and features), this machine has ${formatBytes(machineBytes)}`,
    );
  }
  return problems;
}

/** Every problem found before running, one line each with the field it concerns. */
export function preflightProblems(config: ResolvedConfig, machineBytes = totalmem()): string[] {
  const shape = poolShape(config.dataset);
  return [...poolProblems(config, shape), ...sizeProblems(config, shape, machineBytes)];
}

export function assertRunnable(config: ResolvedConfig, source: string, machineBytes = totalmem()): void {
  const problems = preflightProblems(config, machineBytes);
  if (problems.length) throw new UserError(`cannot run ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}
