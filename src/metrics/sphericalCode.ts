/**
 * Spherical-code geometry of M memories on S^{d−1} (KHM / U-Hop+): the Proposition 3.1 bounds on
 * the minimal separation Δ_min = min_{μ≠ν}(1 − cos θ_μν), as the official bound_simulation.py
 * computes them, and the known optimum for d = 3 (the Tammes problem).
 */
import { gammaln } from 'simple-statistics';

/** Lower bound: Δ_min ≥ ½ · [(√π/M) · Γ((d+1)/2)/Γ(d/2 + 1)]^{2/(d−1)}; for d = 3 it is 2/(3M). */
export function separationLowerBound(M: number, d: number): number {
  const logInside = 0.5 * Math.log(Math.PI) - Math.log(M) + gammaln((d + 1) / 2) - gammaln(d / 2 + 1);
  return 0.5 * Math.exp((2 / (d - 1)) * logInside);
}

/** Upper bound: Δ_min ≤ 2 · [(2√π/M) · Γ((d+1)/2)/Γ(d/2)]^{1/(d−1)}; for d = 3 it is 4/√M. */
export function separationUpperBound(M: number, d: number): number {
  const logInside = Math.log(2) + 0.5 * Math.log(Math.PI) - Math.log(M) + gammaln((d + 1) / 2) - gammaln(d / 2);
  return 2 * Math.exp(logInside / (d - 1));
}

/**
 * Largest possible minimal angle (degrees) between M points on S² (the Tammes problem), for
 * M = 4…50 and 55, 60, …, 130: the best known packings (N. J. A. Sloane, "Spherical codes",
 * http://neilsloane.com/packings/), the values the official bound_simulation.py plots.
 */
const tammesDegrees: Record<number, number> = Object.fromEntries(
  [
    109.4712206, 90.0, 90.0, 77.8695421, 74.8584922, 70.5287794, 66.146822, 63.4349488, 63.4349488, 57.1367031, 55.67057,
    53.6578501, 52.2443957, 51.0903285, 49.5566548, 47.6919141, 47.4310362, 45.6132231, 44.7401612, 43.7099642, 43.6907671,
    41.6344612, 41.0376616, 40.6776007, 39.3551436, 38.7136512, 38.5971159, 37.7098291, 37.475214, 36.254553, 35.8077844,
    35.3198076, 35.1897322, 34.422408, 34.2506607, 33.4890466, 33.1583563, 32.7290944, 32.5063863, 32.0906244, 31.983423,
    31.3230814, 30.9591635, 30.7818159, 30.7627855, 29.9235851, 29.7529564, 28.2627914, 27.19283, 26.0698299, 25.17092,
    24.3017225, 23.5530672, 22.7791621, 22.1540232, 21.5945501, 21.031202, 20.5388524, 20.1113276, 19.6239931, 19.3240201,
    18.8448151, 18.5103522,
  ].map((angle, i) => [i < 47 ? i + 4 : 55 + 5 * (i - 47), angle]),
);

/** The optimal Δ_min = 1 − cos θ_Tammes for M points on S², or null where no value is tabulated. */
export function tammesSeparation(M: number): number | null {
  const degrees = tammesDegrees[M];
  return degrees === undefined ? null : 1 - Math.cos((degrees * Math.PI) / 180);
}
