/**
 * Percentile bootstrap confidence intervals, from the seeded generator so that tables are
 * reproducible byte for byte.
 */
import { mean, quantileSorted } from 'simple-statistics';
import { rngFor } from '../random/prng.ts';

export const BOOTSTRAP_RESAMPLES = 2000;

/** 95 % percentile-bootstrap interval of the mean; `purpose` names the generator stream. */
export function bootstrapMeanInterval(values: number[], purpose: string, level = 0.95): [number, number] {
  if (values.length < 2) return [NaN, NaN];
  const rng = rngFor('bootstrap', purpose);
  const means = new Float64Array(BOOTSTRAP_RESAMPLES);
  const sample = new Array<number>(values.length);
  for (let r = 0; r < BOOTSTRAP_RESAMPLES; r++) {
    for (let i = 0; i < values.length; i++) sample[i] = values[Math.floor(rng.next() * values.length)];
    means[r] = mean(sample);
  }
  const sorted = Array.from(means).sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return [quantileSorted(sorted, tail), quantileSorted(sorted, 1 - tail)];
}
