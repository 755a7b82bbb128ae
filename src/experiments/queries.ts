/** The queries of a cell: memories (corrupted later) or independent pool / test images, drawn or pinned by dataset.queryIndices. */
import type { ResolvedConfig } from '../config/parity.ts';
import { UserError } from '../errors.ts';
import { gatherRows, type Pool } from '../data/pool.ts';
import { permutation, rngFor } from '../random/prng.ts';
import type { CellKey } from './records.ts';

/** The uncorrupted queries and, for queries built from memories, the memory each comes from. */
export function chooseQueries(
  config: ResolvedConfig,
  pool: Pool,
  queryPool: Pool | undefined,
  indices: Int32Array,
  memoryRows: Float32Array,
  cell: CellKey,
): { rows: Float32Array; targets: Int32Array | null; poolIndices: Int32Array } {
  const { from, count } = config.queries;
  if (from === 'memories') {
    const targets = queryTargets(config, indices);
    return { rows: gatherRows({ images: memoryRows, dim: pool.dim }, targets), targets, poolIndices: Int32Array.from(targets, (t) => indices[t]) };
  }
  // independent queries: pool images that are not memories, or the test split
  const source = from === 'test' ? queryPool : pool;
  if (!source) throw new UserError('queries.from "test" needs a dataset with a test split (mnist-full, fashion-mnist, cifar10)');
  const pinned = config.dataset.queryIndices;
  if (pinned) {
    // exactly these images, in this order (a pinned pool image may be a memory: its target is then itself)
    const bad = pinned.find((k) => k >= source.count);
    const where = from === 'test' ? `the test split of ${source.name}` : `the pool of ${source.name}`;
    if (bad !== undefined) throw new UserError(`dataset.queryIndices: ${bad} is outside ${where} (0..${source.count - 1})`);
    return { rows: gatherRows(source, pinned), targets: null, poolIndices: Int32Array.from(pinned) };
  }
  const memorySet = new Set(from === 'test' ? [] : indices);
  const wanted = count ?? (from === 'test' ? source.count : cell.memories);
  const order = permutation(rngFor(cell.seed, cell.memories, cell.featureDim ?? 0, 'query-set'), source.count);
  const chosen = Array.from(order).filter((k) => !memorySet.has(k)).slice(0, wanted);
  if (chosen.length < wanted) throw new UserError(`queries.count = ${wanted} but only ${chosen.length} non-memory images are left in ${source.name}`);
  return { rows: gatherRows(source, chosen), targets: null, poolIndices: Int32Array.from(chosen) };
}

/** Query i is built from memory targets[i]: every memory in order, or the pinned dataset.queryIndices. */
function queryTargets(config: ResolvedConfig, indices: Int32Array): Int32Array {
  const pinned = config.dataset.queryIndices;
  if (!pinned) return Int32Array.from(indices, (_, i) => i);
  return Int32Array.from(pinned, (poolIndex) => {
    const position = indices.indexOf(poolIndex);
    if (position < 0) throw new UserError(`dataset.queryIndices: ${poolIndex} is not a memory of the cell with M = ${indices.length}`);
    return position;
  });
}
