/**
 * The inverse temperature β at which a model's logit scale reaches a target: bisection on log β
 * over a monotone increasing scale(β) (for a linear score it is β·gap, but the search does not
 * rely on that).
 */
export interface TemperatureMatch {
  beta: number;
  scale: number;
  iterations: number;
}

export function matchTemperature(scale: (beta: number) => number, target: number, relativeTolerance = 1e-4): TemperatureMatch {
  if (!(target > 0) || !Number.isFinite(target)) return { beta: NaN, scale: NaN, iterations: 0 };
  let lo = Math.log(1e-8);
  let hi = Math.log(1e8);
  let iterations = 0;
  let mid = 0;
  let value = NaN;
  while (iterations < 200) {
    iterations++;
    mid = (lo + hi) / 2;
    value = scale(Math.exp(mid));
    if (Math.abs(value - target) <= relativeTolerance * target) break;
    if (value < target) lo = mid;
    else hi = mid;
  }
  return { beta: Math.exp(mid), scale: value, iterations };
}
