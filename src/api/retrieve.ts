/** One retrieval run on given arrays: x ← Ξ · Sep(β · K(Φ(Ξ), Φ(x))), tfjs kept inside. */
import { tf } from '../backend/tf.ts';
import { z } from 'zod';
import { separationNames, similarityNames, type SeparationName, type SimilarityName } from '../config/schema.ts';
import { formatIssues } from '../config/load.ts';
import { UserError } from '../errors.ts';
import { linearSpace, pixelSpace } from '../hopfield/featureSpace.ts';
import { retrieve as retrieveTensors } from '../hopfield/retrieval.ts';
import { rowsToTensor, tensorToRows, type Rows } from './arrays.ts';

/** A linear feature map Φ(x) = Wx (+ b), as trainFeatureMap returns it. */
export interface FeatureMap {
  /** Wᵀ: d rows (the data dimension) of D_Φ values. */
  weightsT: Rows;
  /** b (D_Φ values), or null. */
  bias: ArrayLike<number> | null;
}

/** What one retrieval run does; the defaults are a config's with parity "textbook". */
export interface RetrieveOptions {
  /** K: dot (default), cosine, l1, l2. */
  similarity?: SimilarityName;
  /** Sep: softmax (default), sparsemax, entmax15, entmax, poly. */
  separation?: SeparationName;
  /** poly only: p = s^degree (default 10). */
  degree?: number;
  /** entmax only: α > 1 (default 1.5). */
  alpha?: number;
  /** β (default 1). */
  beta?: number;
  /** Update steps (default 1). */
  steps?: number;
  /** "logits" (default): p = Sep(β·s), β an inverse temperature; "output": p = β·Sep(s), the official update rule. */
  betaPlacement?: 'output' | 'logits';
  /** l1/l2: "negative" (default) scores −distance as the papers, "positive" +distance as the official code. */
  distanceSign?: 'positive' | 'negative';
  /** Stop once every query moved less than this (L2) in a step; 0 (default) runs all steps. */
  tolerance?: number;
  /** Score in Φ-space (U-Hop), e.g. trainFeatureMap(...).featureMap; default: the memories themselves. */
  featureMap?: FeatureMap;
}

const retrieveOptionsSchema = z
  .object({
    similarity: z.enum(similarityNames).default('dot'),
    separation: z.enum(separationNames).default('softmax'),
    degree: z.number().int().positive().optional(),
    alpha: z.number().gt(1).optional(),
    beta: z.number().positive().default(1),
    steps: z.number().int().positive().default(1),
    betaPlacement: z.enum(['output', 'logits']).default('logits'),
    distanceSign: z.enum(['positive', 'negative']).default('negative'),
    tolerance: z.number().nonnegative().default(0),
    featureMap: z.custom<FeatureMap>((value) => typeof value === 'object' && value !== null && 'weightsT' in value).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.degree !== undefined && spec.separation !== 'poly') ctx.addIssue({ code: 'custom', path: ['degree'], message: 'degree is only used with separation "poly"' });
    if (spec.alpha !== undefined && spec.separation !== 'entmax') ctx.addIssue({ code: 'custom', path: ['alpha'], message: 'alpha is only used with separation "entmax"' });
  }) satisfies z.ZodType<unknown, RetrieveOptions>;

export interface Retrieval {
  /** Final states x_T, one row per query (pixel space: a combination of the memories). */
  states: number[][];
  /** Weights p of the last step, one row per query, one entry per memory. */
  weights: number[][];
  /** Steps run (fewer than `steps` when `tolerance` stopped it). */
  steps: number;
}

/**
 * Runs the retrieval dynamics from each query: memories Ξ (M rows of d) and queries (Q rows of d)
 * as rows; with `featureMap` the scores are taken in Φ-space, the output stays in pixel space.
 */
export function retrieve(memories: Rows, queries: Rows, options: RetrieveOptions = {}): Retrieval {
  const parsed = retrieveOptionsSchema.safeParse(options);
  if (!parsed.success) throw new UserError(formatIssues('retrieve options', parsed.error).replace('invalid config ', 'invalid '), parsed.error.issues);
  const spec = { ...parsed.data, degree: parsed.data.degree ?? 10 };
  const memoryTensor = rowsToTensor(memories, 'memories');
  const dim = memoryTensor.shape[1];
  const queryTensor = rowsToTensor(queries, 'queries', dim);
  const map = spec.featureMap;
  const weightsT = map ? rowsToTensor(map.weightsT, 'featureMap.weightsT') : null;
  if (weightsT && weightsT.shape[0] !== dim) {
    tf.dispose([memoryTensor, queryTensor, weightsT]);
    throw new UserError(`featureMap.weightsT has ${weightsT.shape[0]} rows, expected the memories' dimension ${dim}`);
  }
  if (weightsT && map?.bias && map.bias.length !== weightsT.shape[1]) {
    tf.dispose([memoryTensor, queryTensor, weightsT]);
    throw new UserError(`featureMap.bias has ${map.bias.length} values, expected D_Φ = ${weightsT.shape[1]}`);
  }
  const bias = map?.bias ? tf.tensor1d(Float32Array.from(map.bias)) : undefined;
  const space = weightsT ? linearSpace(memoryTensor, weightsT, bias) : pixelSpace(memoryTensor);
  try {
    const result = retrieveTensors(memoryTensor, space, queryTensor, spec);
    return { states: tensorToRows(result.states), weights: tensorToRows(result.weights), steps: result.steps ?? spec.steps };
  } finally {
    space.dispose();
    tf.dispose([memoryTensor, queryTensor, ...(weightsT ? [weightsT] : []), ...(bias ? [bias] : [])]);
  }
}
