/** Descriptive statistics of one metric over seeds. */
import { max, mean, median, min, sampleStandardDeviation } from 'simple-statistics';

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (ddof = 1), NaN for a single value. */
  std: number;
  median: number;
  min: number;
  max: number;
}

export function summarize(values: number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  return {
    n: values.length,
    mean: mean(values),
    std: values.length > 1 ? sampleStandardDeviation(values) : NaN,
    median: median(values),
    min: min(values),
    max: max(values),
  };
}
