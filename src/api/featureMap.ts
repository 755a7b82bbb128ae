/**
 * Stage I on given memories: W_0 drawn as a cell draws it, then the separation-loss trainer of the
 * runs. Options are a config's `featureMap` fields with the same defaults (and `parity`).
 */
import { tf } from '../backend/tf.ts';
import { resolveConfigObject } from '../config/load.ts';
import type { ConfigInput } from '../config/schema.ts';
import { UserError } from '../errors.ts';
import { initialWeightsT } from '../featuremap/linear.ts';
import { trainFeatureMap as trainTensors } from '../featuremap/train.ts';
import { rngFor } from '../random/prng.ts';
import { rowsToTensor, tensorToRows, type Rows } from './arrays.ts';
import type { FeatureMap } from './retrieve.ts';

type FeatureMapFields = NonNullable<ConfigInput['featureMap']>;

/** A config's `featureMap` fields (README, config reference: loss, epochs, lr, optimizer, bias, init, …) and: */
export type TrainFeatureMapOptions = Omit<FeatureMapFields, 'dim' | 'trainOn' | 'finalLoss'> & {
  /** D_Φ (default: the memories' dimension d). */
  dim?: number;
  /** Seed of W_0 (and of the minibatch order): with the same seed and M = the number of rows, a cell draws the same W_0. Default 1. */
  seed?: number;
  /** Defaults of the unset switches (lr schedule, lossForm), as in a config. Default "textbook". */
  parity?: 'official' | 'textbook';
};

export interface TrainedFeatureMap {
  /** Φ after training, for retrieve({ featureMap }). */
  featureMap: { weightsT: number[][]; bias: number[] | null } & FeatureMap;
  /** Loss of each epoch before its updates. */
  losses: number[];
  /** Loss of the trained weights. */
  lossAfter: number;
}

/** Trains Φ(x) = Wx (+ b) on all the given memories (rows) with the separation loss of `options.loss`. */
export function trainFeatureMap(memories: Rows, options: TrainFeatureMapOptions = {}): TrainedFeatureMap {
  const { seed = 1, parity, dim: featureDim, ...fields } = options;
  for (const field of ['trainOn', 'finalLoss'] as const) {
    if (field in fields) throw new UserError(`trainFeatureMap: ${field} is not used (it trains on all the rows given and returns every loss)`);
  }
  if (!Number.isInteger(seed) || seed < 0) throw new UserError(`trainFeatureMap: seed must be a non-negative integer, got ${seed}`);
  // validated and resolved as a config's featureMap, so that defaults and errors are the same
  const config = resolveConfigObject(
    { name: 'trainFeatureMap', memories: [2], models: [{ name: 'U-Hop', featureMap: true }], ...(parity ? { parity } : {}), featureMap: { ...fields, ...(featureDim === undefined ? {} : { dim: featureDim }) } },
    [],
    'trainFeatureMap options',
  );
  const settings = config.featureMap;
  const train = rowsToTensor(memories, 'memories');
  const [count, dim] = train.shape;
  if (count < 2) {
    train.dispose();
    throw new UserError(`trainFeatureMap: Stage I needs at least 2 memories, got ${count}`);
  }
  const outDim = featureDim ?? dim;
  const rows = settings.bias ? dim + 1 : dim;
  // the streams of a cell with M = count (no D_Φ grid): the same W_0 and minibatches
  const init = initialWeightsT(dim, outDim, settings, rngFor(seed, count, 'phi-init'));
  const weightsT0 = tf.tensor2d(init, [rows, outDim]);
  const inputs = settings.bias ? tf.concat([train, tf.ones([count, 1])], 1) : train;
  try {
    const result = trainTensors(inputs as tf.Tensor2D, weightsT0, { ...settings, rng: rngFor(seed, count, 'stage-one-batches') });
    const trained = tensorToRows(result.weightsT);
    return {
      featureMap: { weightsT: trained.slice(0, dim), bias: settings.bias ? trained[dim] : null },
      losses: result.losses,
      lossAfter: result.lossAfter,
    };
  } finally {
    tf.dispose([train, weightsT0, inputs]);
  }
}
