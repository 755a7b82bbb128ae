/**
 * The similarity and separation registries of the library: each entry is callable on one row (plain
 * numbers in and out), with the batched tensor form that retrieval uses as `.batched`.
 */
import { tf } from '../backend/tf.ts';
import type { SeparationName, SimilarityName } from '../config/schema.ts';
import { separations as batchedSeparations, type SeparationOptions } from '../hopfield/separations.ts';
import { similarities as batchedSimilarities, type MemoryFeatures, type SimilarityOptions } from '../hopfield/similarities.ts';
import { rowsToTensor, rowToTensor, tensorToRows, type Rows } from './arrays.ts';

export type { SeparationName, SimilarityName, SeparationOptions, SimilarityOptions, MemoryFeatures };

/** A separation map Sep: scores → memory weights p. */
export interface Separation {
  /** p for one row of scores; poly's degree defaults to 10, entmax's alpha to 1.5. */
  (scores: ArrayLike<number>, options?: Partial<SeparationOptions>): number[];
  /** The batched form: every row of a Q × M score tensor at once (a new tensor; the caller disposes it). */
  batched(scores: tf.Tensor2D, options: SeparationOptions): tf.Tensor2D;
}

/** A similarity K: the score of each memory against a query. */
export interface Similarity {
  /** Scores of one query against every memory (rows); distanceSign defaults to "negative" (the papers). */
  (query: ArrayLike<number>, memories: Rows, options?: Partial<SimilarityOptions>): number[];
  /** The batched form: Q × D queries against the memories' rows (M × D) and their transpose → Q × M scores. */
  batched(queries: tf.Tensor2D, memories: MemoryFeatures, options: SimilarityOptions): tf.Tensor2D;
}

function separation(name: SeparationName): Separation {
  const batched = batchedSeparations[name];
  const row = (scores: ArrayLike<number>, options: Partial<SeparationOptions> = {}) => {
    const input = rowToTensor(scores, `separations.${name}: scores`);
    const output = batched(input, { ...options, degree: options.degree ?? 10 });
    input.dispose();
    return tensorToRows(output)[0];
  };
  return Object.assign(row, { batched });
}

function similarity(name: SimilarityName): Similarity {
  const batched = batchedSimilarities[name];
  const row = (query: ArrayLike<number>, memories: Rows, options: Partial<SimilarityOptions> = {}) => {
    const q = rowToTensor(query, `similarities.${name}: query`);
    const rows = rowsToTensor(memories, `similarities.${name}: memories`, q.shape[1]);
    const cols = tf.transpose(rows);
    const scores = batched(q, { rows, cols }, { distanceSign: 'negative', ...options });
    tf.dispose([q, rows, cols]);
    return tensorToRows(scores)[0];
  };
  return Object.assign(row, { batched });
}

const mapNames = <Name extends string, T>(registry: Record<Name, unknown>, make: (name: Name) => T) =>
  Object.fromEntries(Object.keys(registry).map((name) => [name, make(name as Name)])) as Record<Name, T>;

/** softmax, sparsemax, entmax15, entmax (alpha), poly (degree): the config's `separation` names. */
export const separations: Readonly<Record<SeparationName, Separation>> = Object.freeze(mapNames(batchedSeparations, separation));

/** dot, cosine, l1, l2: the config's `similarity` names. */
export const similarities: Readonly<Record<SimilarityName, Similarity>> = Object.freeze(mapNames(batchedSimilarities, similarity));
