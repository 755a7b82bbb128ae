/**
 * The temperature-matched control: β for a baseline such that its median logit gap equals the
 * logit scale of the model it is matched to (a separation gain and a temperature gain then differ).
 */
import { tf } from '../backend/tf.ts';
import { median } from 'simple-statistics';
import { rowBlocks } from '../backend/blocks.ts';
import type { FeatureSpace } from '../hopfield/featureSpace.ts';
import { stepLogits, type RetrievalSpec } from '../hopfield/retrieval.ts';
import { matchTemperature } from '../hopfield/temperature.ts';
import { logitGaps, logitScale } from '../metrics/diagnostics.ts';
import { CellFailure } from './records.ts';

/** β at which this model's median logit gap equals `target` (bisection on log β). */
export function temperatureFor(space: FeatureSpace, queries: tf.Tensor2D, spec: RetrievalSpec, target: number): number {
  const blocks = rowBlocks(queries.shape[0], space.memories.rows.shape[0]);
  let scale: (beta: number) => number;
  let release = () => {};
  if (blocks.length === 1) {
    const scores = stepLogits(space, queries, { ...spec, beta: 1 });
    scale = (beta) => {
      const logits = tf.mul(scores, beta) as tf.Tensor2D;
      const value = logitScale(logits);
      logits.dispose();
      return value;
    };
    release = () => scores.dispose();
  } else {
    // too many queries × memories to keep the scores: the gaps of β·s are β times those of s
    const gaps = new Float32Array(queries.shape[0]);
    for (const { start, size } of blocks) {
      const block = tf.slice(queries, [start, 0], [size, -1]) as tf.Tensor2D;
      const scores = stepLogits(space, block, { ...spec, beta: 1 });
      gaps.set(logitGaps(scores), start);
      tf.dispose([block, scores]);
    }
    const unit = median(Array.from(gaps));
    scale = (beta) => beta * unit;
  }
  const match = matchTemperature(scale, target);
  release();
  if (!Number.isFinite(match.beta)) throw new CellFailure(`temperature match: no finite β reaches logit scale ${target}`);
  return match.beta;
}
