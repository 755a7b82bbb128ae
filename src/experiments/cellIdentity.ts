/**
 * The identity of a cell: the values of every grid axis — M, D_Φ, seed and each swept config path.
 * Everything that keys or names cells (merge, tables, figures, claims, the agreement of two runs)
 * goes through here, so that one more axis is one more entry of `sweep`, never one more
 * hand-written template string that forgets it.
 */
import { stableJson } from '../config/jsonPaths.ts';

/** A value of a swept config path, as it stands in the config (a number, string, boolean or object). */
export type SweepValue = unknown;

/** Swept config path (e.g. "retrieval.beta") → the cell's value of it. */
export type SweepValues = Record<string, SweepValue>;

/** The grid axes that are not swept config paths. */
export type GridAxis = 'M' | 'featureDim' | 'seed';

/** Anything located in the grid: a cell (`memories`) or a record or row of one (`M`). */
export type Located = ({ M: number } | { memories: number }) & {
  seed: number;
  /** null or absent: the data dimension (a cell before it ran); records carry the number. */
  featureDim?: number | null;
  sweep?: SweepValues;
};

const memoriesOf = (cell: Located): number => ('M' in cell ? cell.M : cell.memories);

/** The axis values of a cell, grid axes first, then swept paths in sorted order. */
function axisValues(cell: Located): Array<[string, unknown]> {
  const sweep = Object.entries(cell.sweep ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [['M', memoriesOf(cell)], ['featureDim', cell.featureDim ?? null], ['seed', cell.seed], ...sweep];
}

/**
 * The one key of a cell: equal for two cells exactly when every axis value is equal. `without`
 * leaves axes out, e.g. the seed to group the seeds of one setting.
 */
export function cellIdentity(cell: Located, options: { without?: Array<GridAxis | string> } = {}): string {
  const without = new Set(options.without ?? []);
  return stableJson(axisValues(cell).filter(([axis]) => !without.has(axis)));
}

/** A swept value as text (tables, CSV columns, messages): numbers and strings as they are, objects as JSON. */
export function formatSweepValue(value: SweepValue): string {
  return typeof value === 'string' ? value : stableJson(value);
}

/** The cell in words, e.g. "M=10, D_Φ=5, retrieval.beta=0.5, seed=2" (D_Φ when known, `without` as for cellIdentity). */
export function describeCell(cell: Located, options: { without?: Array<GridAxis | string> } = {}): string {
  const without = new Set(options.without ?? []);
  const parts: string[] = [];
  if (!without.has('M')) parts.push(`M=${memoriesOf(cell)}`);
  if (!without.has('featureDim') && cell.featureDim !== undefined && cell.featureDim !== null) parts.push(`D_Φ=${cell.featureDim}`);
  for (const [path, value] of Object.entries(cell.sweep ?? {})) if (!without.has(path)) parts.push(`${path}=${formatSweepValue(value)}`);
  if (!without.has('seed')) parts.push(`seed=${cell.seed}`);
  return parts.join(', ');
}

/** A swept path and its distinct values: numbers ascending, other values in first-seen order. */
export interface SweepAxis {
  path: string;
  values: SweepValue[];
}

/** The swept paths of these cells or records (first-seen order) with their distinct values. */
export function sweepAxes(cells: Located[]): SweepAxis[] {
  const axes = new Map<string, Map<string, SweepValue>>();
  for (const cell of cells) {
    for (const [path, value] of Object.entries(cell.sweep ?? {})) {
      const values = axes.get(path) ?? new Map<string, SweepValue>();
      if (!values.has(stableJson(value))) values.set(stableJson(value), value);
      axes.set(path, values);
    }
  }
  return [...axes].map(([path, values]) => {
    const list = [...values.values()];
    const numeric = list.every((v) => typeof v === 'number');
    return { path, values: numeric ? (list as number[]).sort((a, b) => a - b) : list };
  });
}

/** Position of a cell's value on an axis (for sorting); -1 when the cell has none. */
export function axisRank(axis: SweepAxis, cell: Located): number {
  const text = stableJson(cell.sweep?.[axis.path]);
  return axis.values.findIndex((value) => stableJson(value) === text);
}

/** Orders cells by their swept values (axis order), then D_Φ, then M, then seed. */
export function compareCells(axes: SweepAxis[]): (a: Located, b: Located) => number {
  return (a, b) => {
    for (const axis of axes) {
      const difference = axisRank(axis, a) - axisRank(axis, b);
      if (difference) return difference;
    }
    return (a.featureDim ?? 0) - (b.featureDim ?? 0) || memoriesOf(a) - memoriesOf(b) || a.seed - b.seed;
  };
}

/** The axes (M, D_Φ, swept paths; not the seed) on which all these cells have one value. */
export function constantAxes(cells: Located[]): string[] {
  const values = (axis: (cell: Located) => unknown) => new Set(cells.map((cell) => stableJson(axis(cell)))).size;
  const constant: string[] = [];
  if (values(memoriesOf) <= 1) constant.push('M');
  if (values((cell) => cell.featureDim ?? null) <= 1) constant.push('featureDim');
  for (const axis of sweepAxes(cells)) if (axis.values.length <= 1) constant.push(axis.path);
  return constant;
}
