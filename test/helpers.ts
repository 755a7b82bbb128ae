import assert from 'node:assert/strict';
import { initBackend } from '../src/backend/select.ts';

/** Starts the backend the tests run on (UHOP_BACKEND, else the normal order). */
export async function backend(): Promise<string> {
  return (await initBackend()).choice;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label = ''): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    assert.ok(diff <= tolerance, `${label}[${i}]: got ${actual[i]}, expected ${expected[i]} (|diff| ${diff} > ${tolerance})`);
  }
}

/** Central finite differences of a float64 function at `params` (the oracle side of a gradient check). */
export function centralDifferences(f: (params: number[]) => number, params: number[], h = 1e-5): number[] {
  return params.map((_, i) => {
    const plus = [...params];
    const minus = [...params];
    plus[i] += h;
    minus[i] -= h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}
