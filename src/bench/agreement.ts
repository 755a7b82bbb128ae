/**
 * How far two runs of one config (e.g. plain wasm and wasm + BLAS) agree: for every numeric field
 * of the per-model records, the largest relative difference over all cells and where it occurred.
 */
import { median } from 'simple-statistics';
import type { ModelRecord } from '../experiments/records.ts';

export interface FieldAgreement {
  /** A record field, or "median error" (over seeds, per model and M: what the tables show). */
  field: string;
  /** max |a − b| / max(|a|, |b|) over records (0 when equal, NaN never: NaN = NaN counts as equal). */
  maxRelative: number;
  /** The record with the largest difference: model, M, seed and both values. */
  where: string;
}

function relative(a: number, b: number): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Infinity;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

const identity = (r: ModelRecord) => `${r.model} | M=${r.M} | D=${r.featureDim}`;

export function compareRecords(a: ModelRecord[], b: ModelRecord[]): FieldAgreement[] {
  const other = new Map(b.map((r) => [`${identity(r)} | seed=${r.seed}`, r]));
  const worst = new Map<string, FieldAgreement>();
  const note = (field: string, x: number, y: number, where: string) => {
    const difference = relative(x, y);
    const current = worst.get(field);
    if (!current || difference > current.maxRelative) worst.set(field, { field, maxRelative: difference, where: `${where}: ${x} vs ${y}` });
  };
  const errors = new Map<string, { a: number[]; b: number[] }>();
  for (const record of a) {
    const match = other.get(`${identity(record)} | seed=${record.seed}`);
    if (!match) throw new Error(`the second run has no record for ${identity(record)} seed ${record.seed}`);
    for (const [field, value] of Object.entries(record)) {
      const counterpart = (match as unknown as Record<string, unknown>)[field];
      if (typeof value === 'number' && typeof counterpart === 'number') note(field, value, counterpart, `${identity(record)} | seed=${record.seed}`);
    }
    const pair = errors.get(identity(record)) ?? { a: [], b: [] };
    pair.a.push(record.error);
    pair.b.push(match.error);
    errors.set(identity(record), pair);
  }
  for (const [where, pair] of errors) note('median error', median(pair.a), median(pair.b), where);
  return [...worst.values()].sort((x, y) => y.maxRelative - x.maxRelative);
}
