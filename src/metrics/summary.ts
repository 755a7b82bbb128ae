/** Descriptive statistics of one metric over seeds. */
import { max, mean, median, min, sampleStandardDeviation } from 'simple-statistics';
import { bootstrapMeanInterval } from './bootstrap.ts';

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (ddof = 1), NaN for a single value. */
  std: number;
  median: number;
  min: number;
  max: number;
  /** 95 % bootstrap interval of the mean (NaN for fewer than 2 values). */
  ciLow: number;
  ciHigh: number;
}

/** `purpose` names the bootstrap's random stream (e.g. "model/M"), so every table is reproducible. */
export function summarize(values: number[], purpose: string): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  return {
    n: values.length,
    mean: mean(values),
    std: values.length > 1 ? sampleStandardDeviation(values) : NaN,
    median: median(values),
    min: min(values),
    max: max(values),
    ...interval(values, purpose),
  };
}

function interval(values: number[], purpose: string): { ciLow: number; ciHigh: number } {
  const [ciLow, ciHigh] = bootstrapMeanInterval(values, purpose);
  return { ciLow, ciHigh };
}
