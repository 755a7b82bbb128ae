/**
 * The plugin contract: what a plugin module exports (separations, similarities, corruptions, each
 * name → function or { map | batch, sparse }), the loaded form the cell pipeline uses, and the
 * checked calls that turn a plugin's throw or malformed output into a PluginError naming it.
 * Plain arrays only: a plugin never needs the same tfjs instance as uhop.
 */

/** What every plugin call gets besides its data. */
export interface PluginContext {
  /** Uniform in [0, 1), from the cell's seeded stream for this model (or the query corruption): same config, same draws. */
  random(): number;
}

/** Row form of a separation: one query's scores (M, larger = more similar) → its M weights. */
export type RowSeparation = (scores: Float32Array, context: PluginContext) => ArrayLike<number>;
/** Batched form: rows × cols scores, row-major → rows × cols weights. */
export type BatchSeparation = (scores: Float32Array, shape: [rows: number, cols: number], context: PluginContext) => ArrayLike<number>;
/** Row form of a similarity: one query's and one memory's features (D each) → the score. */
export type RowSimilarity = (query: Float32Array, memory: Float32Array) => number;
/** Batched form: queries (Q × D) and memories (M × D), row-major → Q × M scores. */
export type BatchSimilarity = (queries: Float32Array, memories: Float32Array, shape: { queries: number; memories: number; dim: number }) => ArrayLike<number>;
/** Row form of a corruption: one clean image (d values) → the query. */
export type RowCorruption = (image: Float32Array, context: PluginContext) => ArrayLike<number>;
/** Batched form: rows × d images, row-major → rows × d queries. */
export type BatchCorruption = (images: Float32Array, shape: [rows: number, dim: number], context: PluginContext) => ArrayLike<number>;

export type PluginKind = 'separation' | 'similarity' | 'corruption';

interface Loaded<Row, Batch> {
  name: string;
  /** The plugin file as written in the config. */
  path: string;
  map?: Row;
  batch?: Batch;
}

export interface SeparationPlugin extends Loaded<RowSeparation, BatchSeparation> {
  /** ‖p‖ counts exact non-zeros (sparse maps) instead of entries above 0.01. */
  sparse: boolean;
}
export type SimilarityPlugin = Loaded<RowSimilarity, BatchSimilarity>;
export type CorruptionPlugin = Loaded<RowCorruption, BatchCorruption>;

/** A plugin file of a resolved config: as written, where it is, and the sha256 of its source (part of every cell key). */
export interface PluginFile {
  path: string;
  file: string;
  sha256: string;
}

export interface PluginSet {
  separations: ReadonlyMap<string, SeparationPlugin>;
  similarities: ReadonlyMap<string, SimilarityPlugin>;
  corruptions: ReadonlyMap<string, CorruptionPlugin>;
  files: PluginFile[];
}

export const noPlugins: PluginSet = { separations: new Map(), similarities: new Map(), corruptions: new Map(), files: [] };

/** A plugin threw or returned something malformed; the cell pipeline records it as the model's cell failure. */
export class PluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginError';
  }
}

const label = (kind: PluginKind, plugin: Loaded<unknown, unknown>) => `${kind} plugin "${plugin.name}" (${plugin.path})`;

function call<T>(kind: PluginKind, plugin: Loaded<unknown, unknown>, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new PluginError(`${label(kind, plugin)} threw: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The output as float32, checked: array-like, `length` values, all finite. */
function checked(kind: PluginKind, plugin: Loaded<unknown, unknown>, output: unknown, length: number, what: string, rowWidth: number): Float32Array {
  const values = output as ArrayLike<number> | null | undefined;
  if (values === null || values === undefined || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new PluginError(`${label(kind, plugin)} returned ${values === null ? 'null' : typeof values}, not an array of ${length} numbers (${what})`);
  }
  if (values.length !== length) throw new PluginError(`${label(kind, plugin)} returned ${values.length} values for ${what} (expected ${length})`);
  const out = Float32Array.from(values);
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const where = rowWidth > 0 ? `row ${Math.floor(bad / rowWidth)}, entry ${bad % rowWidth}` : `entry ${bad}`;
    throw new PluginError(`${label(kind, plugin)} returned a non-finite value (${values[bad]}) at ${where} of ${what}`);
  }
  return out;
}

/** Weights of rows × cols scores (row-major) through a separation plugin. */
export function applySeparationPlugin(plugin: SeparationPlugin, scores: Float32Array, rows: number, cols: number, context: PluginContext): Float32Array {
  if (plugin.batch) {
    const output = call('separation', plugin, () => plugin.batch!(scores.slice(), [rows, cols], context));
    return checked('separation', plugin, output, rows * cols, `${rows} rows of ${cols} scores`, cols);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = scores.slice(r * cols, (r + 1) * cols);
    const output = call('separation', plugin, () => plugin.map!(row, context));
    out.set(checked('separation', plugin, output, cols, `a row of ${cols} scores`, 0), r * cols);
  }
  return out;
}

/** Q × M scores of queries against memories (row-major features of width dim) through a similarity plugin. */
export function applySimilarityPlugin(plugin: SimilarityPlugin, queries: Float32Array, memories: Float32Array, dim: number): Float32Array {
  const [count, memoryCount] = [queries.length / dim, memories.length / dim];
  if (plugin.batch) {
    const output = call('similarity', plugin, () => plugin.batch!(queries.slice(), memories.slice(), { queries: count, memories: memoryCount, dim }));
    return checked('similarity', plugin, output, count * memoryCount, `${count} queries × ${memoryCount} memories`, memoryCount);
  }
  const out = new Float32Array(count * memoryCount);
  const rows = Array.from({ length: memoryCount }, (_, m) => memories.slice(m * dim, (m + 1) * dim));
  for (let q = 0; q < count; q++) {
    const query = queries.slice(q * dim, (q + 1) * dim);
    for (let m = 0; m < memoryCount; m++) {
      const score = call('similarity', plugin, () => plugin.map!(query, rows[m]));
      out[q * memoryCount + m] = checked('similarity', plugin, [score], 1, `query ${q} against memory ${m}`, 0)[0];
    }
  }
  return out;
}

/** Queries from rows × dim clean images (row-major) through a corruption plugin. */
export function applyCorruptionPlugin(plugin: CorruptionPlugin, images: Float32Array, dim: number, context: PluginContext): Float32Array {
  const rows = images.length / dim;
  if (plugin.batch) {
    const output = call('corruption', plugin, () => plugin.batch!(images.slice(), [rows, dim], context));
    return checked('corruption', plugin, output, rows * dim, `${rows} images of ${dim} values`, dim);
  }
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const output = call('corruption', plugin, () => plugin.map!(images.slice(r * dim, (r + 1) * dim), context));
    out.set(checked('corruption', plugin, output, dim, `an image of ${dim} values`, 0), r * dim);
  }
  return out;
}
