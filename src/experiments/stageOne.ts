/** Stage I of a cell: Φ_0 from the cell's generator, trained on the memories the config says. */
import { tf } from '../backend/tf.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import { UserError } from '../errors.ts';
import { rngFor } from '../random/prng.ts';
import { initialWeightsInto } from '../featuremap/linear.ts';
import { peekValues, writtenTensor2d } from '../backend/heap.ts';
import { trainFeatureMap, type StageIResult } from '../featuremap/train.ts';
import { linearSpace, type FeatureSpace } from '../hopfield/featureSpace.ts';
import { allFinite, frobeniusNorm, pairGeometry } from '../metrics/diagnostics.ts';
import { CellFailure, type CellKey, type StageOneRow } from './records.ts';

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
  /** The loss curve, epoch 0 (before training) to the last epoch run. */
  curve: StageOneRow[];
  ms: number;
  dispose(): void;
}

/**
 * One row per epoch e = 0 … E (the state after e epochs): full batch, the loss before epoch e's
 * update (after the last: the trained loss); minibatches, the whole-set loss at the checkpoints and
 * the mean minibatch loss of epoch e.
 */
function curveRows(result: StageIResult, cell: CellKey, featureDim: number, minibatches: boolean): StageOneRow[] {
  const epochs = result.losses.length;
  const at = new Map(result.checkpoints.map((c) => [c.epoch, c]));
  return Array.from({ length: epochs + 1 }, (_, epoch) => {
    const checkpoint = at.get(epoch);
    const loss = minibatches ? (checkpoint?.fullLoss ?? null) : epoch < epochs ? result.losses[epoch] : result.lossAfter;
    return {
      M: cell.memories,
      seed: cell.seed,
      featureDim,
      epoch,
      loss,
      batchLoss: minibatches && epoch > 0 ? result.losses[epoch - 1] : null,
      deltaMin: checkpoint?.deltaMin ?? null,
    };
  });
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function runStageOne(config: ResolvedConfig, memories: tf.Tensor2D, dim: number, cell: CellKey): StageI {
  const started = performance.now();
  const options = config.featureMap;
  const featureDim = cell.featureDim ?? dim;
  const trainCount = options.trainOn === 'first-half' ? Math.floor(cell.memories / 2) : cell.memories;
  if (trainCount < 2) {
    throw new UserError(
      `Stage I needs at least 2 training memories; M = ${cell.memories} with featureMap.trainOn "${options.trainOn}" gives ${trainCount}`,
    );
  }
  const rows = options.bias ? dim + 1 : dim;
  // a D_Φ grid adds D_Φ to the stream's name; without one, the stream is the same as before grids existed
  const stream = cell.featureDim ? [cell.seed, cell.memories, cell.featureDim] : [cell.seed, cell.memories];
  // W₀ᵀ drawn straight into the tensor's memory (no JS array, no copy: 2.4 MB per cell of configs/mnist.json)
  const weightsT0 = writtenTensor2d(rows, featureDim, (out) => initialWeightsInto(dim, featureDim, options, rngFor(...stream, 'phi-init'), out));
  // with a bias, inputs carry a trailing 1 and Wᵀ's last row is b: Φ(x) = [x, 1] · [Wᵀ; b]
  const inputs = options.bias ? tf.tidy(() => tf.concat([memories, tf.ones([cell.memories, 1])], 1)) : tf.clone(memories);
  const initialFeatures = tf.matMul(inputs, weightsT0) as tf.Tensor2D;
  const initial = pairGeometry(initialFeatures);
  initialFeatures.dispose();
  const w0 = options.bias ? (tf.slice(weightsT0, [0, 0], [dim, featureDim]) as tf.Tensor2D) : weightsT0;
  const wNormInit = frobeniusNorm(w0);
  if (w0 !== weightsT0) w0.dispose();
  const train = tf.slice(inputs, [0, 0], [trainCount, rows]) as tf.Tensor2D;
  // trained on every memory, the checkpoint before any step is Φ₀'s geometry, already measured
  // (the same product of the same values); a d_Φ × M product saved (4 % of a 5,000-memory cell)
  const trainedOnAll = trainCount === cell.memories;
  const deltaMin = (weightsT: tf.Tensor2D) => {
    // W₀ᵀ's values read in place after the copy of Wᵀ's: no op in between moves the heap
    if (trainedOnAll && sameValues(weightsT.dataSync() as Float32Array, peekValues(weightsT0))) return initial.deltaMin;
    const features = tf.matMul(train, weightsT) as tf.Tensor2D;
    const value = pairGeometry(features).deltaMin;
    features.dispose();
    return value;
  };
  const curve = { every: options.curveEvery, deltaMin };
  const result = trainFeatureMap(train, weightsT0, { ...options, rng: rngFor(...stream, 'stage-one-batches'), curve });
  [train, weightsT0, inputs].forEach((t) => t.dispose());
  const badStep = result.losses.findIndex((loss) => !Number.isFinite(loss));
  if (badStep >= 0 || !Number.isFinite(result.lossAfter) || !allFinite(result.weightsT)) {
    result.weightsT.dispose();
    const where = badStep >= 0 ? `at step ${badStep}` : 'after the last step';
    throw new CellFailure(`Stage I (${options.loss} loss): non-finite separation loss or weights ${where}`);
  }
  const weightsT = tf.slice(result.weightsT, [0, 0], [dim, featureDim]) as tf.Tensor2D;
  const bias = options.bias ? tf.slice(result.weightsT, [dim, 0], [1, featureDim]) : undefined;
  result.weightsT.dispose();
  const wNormTrained = frobeniusNorm(weightsT);
  const space = linearSpace(memories, weightsT, bias);
  let normMatched: FeatureSpace | null = null;
  const lossInit = result.losses.length ? result.losses[0] : result.lossAfter;
  const lossLast = result.losses.length ? result.losses[result.losses.length - 1] : result.lossAfter;
  return {
    space,
    normMatched: () => {
      if (!normMatched) {
        // Φ' = cΦ with c = ‖W_0‖/‖W‖: the learned direction at the initial scale
        const c = wNormInit / wNormTrained;
        const scaled = tf.mul(weightsT, c) as tf.Tensor2D;
        const scaledBias = bias ? tf.mul(bias, c) : undefined;
        normMatched = linearSpace(memories, scaled, scaledBias);
        tf.dispose([scaled, ...(scaledBias ? [scaledBias] : [])]);
      }
      return normMatched;
    },
    lossInit,
    lossFinal: options.finalLoss === 'last-iteration' ? lossLast : result.lossAfter,
    wNormInit,
    wNormTrained,
    deltaMinInit: initial.deltaMin,
    meanCosInit: initial.meanCosine,
    curve: curveRows(result, cell, featureDim, Boolean(options.batchSize && options.batchSize < trainCount)),
    ms: performance.now() - started,
    dispose: () => {
      space.dispose();
      normMatched?.dispose();
      weightsT.dispose();
      bias?.dispose();
    },
  };
}
