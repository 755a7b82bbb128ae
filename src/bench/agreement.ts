/**
 * How far two runs of one config (e.g. plain wasm and wasm + BLAS) agree: for every numeric field
 * of the per-model records, the largest relative difference over all cells and where it occurred.
 */
import { median } from 'simple-statistics';
import type { ModelRecord } from '../experiments/records.ts';
import { cellIdentity, describeCell } from '../experiments/cellIdentity.ts';

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

/** A model at one setting (every axis but the seed), and the same with the seed: keys and their words. */
const setting = (r: ModelRecord) => `${r.model}\u0000${cellIdentity(r, { without: ['seed'] })}`;
const cell = (r: ModelRecord) => `${r.model}\u0000${cellIdentity(r)}`;
const words = (r: ModelRecord, options: { without?: string[] } = {}) => `${r.model} | ${describeCell(r, options)}`;

export function compareRecords(a: ModelRecord[], b: ModelRecord[]): FieldAgreement[] {
  const other = new Map(b.map((r) => [cell(r), r]));
  const worst = new Map<string, FieldAgreement>();
  const note = (field: string, x: number, y: number, where: string) => {
    const difference = relative(x, y);
    const current = worst.get(field);
    if (!current || difference > current.maxRelative) worst.set(field, { field, maxRelative: difference, where: `${where}: ${x} vs ${y}` });
  };
  const errors = new Map<string, { a: number[]; b: number[]; where: string }>();
  for (const record of a) {
    const match = other.get(cell(record));
    if (!match) throw new Error(`the second run has no record for ${words(record)}`);
    for (const [field, value] of Object.entries(record)) {
      const counterpart = (match as unknown as Record<string, unknown>)[field];
      if (typeof value === 'number' && typeof counterpart === 'number') note(field, value, counterpart, words(record));
    }
    const pair = errors.get(setting(record)) ?? { a: [], b: [], where: words(record, { without: ['seed'] }) };
    pair.a.push(record.error);
    pair.b.push(match.error);
    errors.set(setting(record), pair);
  }
  for (const pair of errors.values()) note('median error', median(pair.a), median(pair.b), pair.where);
  return [...worst.values()].sort((x, y) => y.maxRelative - x.maxRelative);
}
