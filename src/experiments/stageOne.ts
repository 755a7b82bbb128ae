/** Stage I of a cell: Φ_0 from the cell's generator, trained on the memories the config says. */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../config/parity.ts';
import { UserError } from '../config/errors.ts';
import { rngFor } from '../random/prng.ts';
import { initialWeightsT } from '../featuremap/linear.ts';
import { trainFeatureMap } from '../featuremap/train.ts';
import { linearSpace, type FeatureSpace } from '../hopfield/featureSpace.ts';
import { frobeniusNorm, pairGeometry } from '../metrics/diagnostics.ts';
import { CellFailure, type CellKey } from './records.ts';

export interface StageI {
  /** Φ after training. */
  space: FeatureSpace;
  /** Φ rescaled to ‖W_0‖_F (direction learned, scale not), made on first use. */
  normMatched(): FeatureSpace;
  lossInit: number;
  lossFinal: number;
  wNormInit: number;
  wNormTrained: number;
  /** Geometry of Φ_0(Ξ). */
  deltaMinInit: number;
  meanCosInit: number;
  ms: number;
  dispose(): void;
}

function allFinite(tensor: tf.Tensor): boolean {
  const check = tf.all(tf.isFinite(tensor));
  const ok = check.dataSync()[0] === 1;
  check.dispose();
  return ok;
}

export function runStageOne(config: ResolvedConfig, memories: tf.Tensor2D, dim: number, cell: CellKey): StageI {
  const started = performance.now();
  const options = config.featureMap;
  const featureDim = options.dim ?? dim;
  const trainCount = options.trainOn === 'first-half' ? Math.floor(cell.memories / 2) : cell.memories;
  if (trainCount < 2) {
    throw new UserError(
      `Stage I needs at least 2 training memories; M = ${cell.memories} with featureMap.trainOn "${options.trainOn}" gives ${trainCount}`,
    );
  }
  const init = initialWeightsT(dim, featureDim, options.initStd, rngFor(cell.seed, cell.memories, 'phi-init'));
  const weightsT0 = tf.tensor2d(init, [dim, featureDim]);
  const initialFeatures = tf.matMul(memories, weightsT0) as tf.Tensor2D;
  const initial = pairGeometry(initialFeatures);
  initialFeatures.dispose();
  const wNormInit = frobeniusNorm(weightsT0);
  const train = tf.slice(memories, [0, 0], [trainCount, dim]);
  const result = trainFeatureMap(train, weightsT0, options);
  train.dispose();
  weightsT0.dispose();
  const badStep = result.losses.findIndex((loss) => !Number.isFinite(loss));
  if (badStep >= 0 || !Number.isFinite(result.lossAfter) || !allFinite(result.weightsT)) {
    result.weightsT.dispose();
    const where = badStep >= 0 ? `at step ${badStep}` : 'after the last step';
    throw new CellFailure(`Stage I (${options.loss} loss): non-finite separation loss or weights ${where}`);
  }
  const weightsT = result.weightsT;
  const wNormTrained = frobeniusNorm(weightsT);
  const space = linearSpace(memories, weightsT);
  let normMatched: FeatureSpace | null = null;
  const lossInit = result.losses.length ? result.losses[0] : result.lossAfter;
  const lossLast = result.losses.length ? result.losses[result.losses.length - 1] : result.lossAfter;
  return {
    space,
    normMatched: () => {
      if (!normMatched) {
        const scaled = tf.mul(weightsT, wNormInit / wNormTrained) as tf.Tensor2D;
        normMatched = linearSpace(memories, scaled);
        scaled.dispose();
      }
      return normMatched;
    },
    lossInit,
    lossFinal: options.finalLoss === 'last-iteration' ? lossLast : result.lossAfter,
    wNormInit,
    wNormTrained,
    deltaMinInit: initial.deltaMin,
    meanCosInit: initial.meanCosine,
    ms: performance.now() - started,
    dispose: () => {
      space.dispose();
      normMatched?.dispose();
      weightsT.dispose();
    },
  };
}
