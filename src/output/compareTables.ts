/**
 * Comparing results folders: per-run summaries over the union of models, the config paths that
 * differ, and paired differences where two runs share memory sets and seeds (same M, seed, D_Φ and
 * the same pool, memory pinning and class balance), with bootstrap intervals.
 */
import { mean } from 'simple-statistics';
import type { ResolvedConfig } from '../config/parity.ts';
import type { ModelRecord } from '../experiments/records.ts';
import { bootstrapMeanInterval } from '../metrics/bootstrap.ts';
import type { Manifest } from './manifest.ts';
import { summaryRows } from './tables.ts';
import { baseModelName } from './style.ts';

/** One results folder as the comparison sees it. */
export interface ComparedRun {
  /** Short unique name (the folder's name). */
  label: string;
  directory: string;
  config: ResolvedConfig;
  manifest: Manifest;
  records: ModelRecord[];
  failed: number;
}

export interface CompareRow {
  run: string;
  /** Model name, with " · D_Φ = D" when the runs together span several D_Φ. */
  model: string;
  name: string;
  featureDim: number;
  M: number;
  n: number;
  mean: number;
  std: number;
  median: number;
  ciLow: number;
  ciHigh: number;
}

export interface ComparePairedRow {
  run: string;
  reference: string;
  model: string;
  name: string;
  featureDim: number;
  M: number;
  /** Cells (seeds) both runs have. */
  n: number;
  /** Mean over those cells of (run's error − reference's error); negative: the run is better. */
  meanDiff: number;
  ciLow: number;
  ciHigh: number;
  /** Share of those cells where the run's error is below the reference's. */
  winShare: number;
}

const dims = (runs: ComparedRun[]) => new Set(runs.flatMap((run) => run.records.map((r) => r.featureDim)));

function labelOf(name: string, featureDim: number, severalDims: boolean): string {
  return severalDims ? `${name} · D_Φ = ${featureDim}` : name;
}

/** Mean ± std [CI] per run × model × D_Φ × M, runs in the order given. */
export function compareRows(runs: ComparedRun[]): CompareRow[] {
  const several = dims(runs).size > 1;
  return runs.flatMap((run) =>
    summaryRows(run.records).map((row) => {
      const name = baseModelName(row);
      return { run: run.label, model: labelOf(name, row.featureDim, several), name, featureDim: row.featureDim, M: row.M, n: row.n, mean: row.mean, std: row.std, median: row.median, ciLow: row.ciLow, ciHigh: row.ciHigh };
    }),
  );
}

/** What must agree for two runs' cells of equal (M, seed, D_Φ) to hold the same memories and queries' targets. */
export function memorySetIdentity(run: ComparedRun): string {
  const dataset = run.config.dataset as { indices?: number[]; balanced?: boolean };
  return JSON.stringify([run.manifest.dataset.sha256, dataset.indices ?? null, dataset.balanced ?? false]);
}

/** Why two runs cannot be paired, or null when they can. */
export function unpairedReason(reference: ComparedRun, run: ComparedRun): string | null {
  if (reference.manifest.dataset.sha256 !== run.manifest.dataset.sha256) {
    return `different data (pool sha256 ${reference.manifest.dataset.sha256.slice(0, 12)}… vs ${run.manifest.dataset.sha256.slice(0, 12)}…)`;
  }
  if (memorySetIdentity(reference) !== memorySetIdentity(run)) return 'different memory selection (dataset.indices or dataset.balanced)';
  return null;
}

/**
 * Each later run against the first (the reference), per model name × D_Φ × M, over the seeds both
 * have: the memory sets are the same when the pool and the selection settings are, as the memory
 * set is drawn from (seed, M) alone.
 */
export function comparePairedRows(runs: ComparedRun[]): ComparePairedRow[] {
  const [reference, ...others] = runs;
  const several = dims(runs).size > 1;
  const cellOf = (r: ModelRecord) => `${r.model}\u0000${r.featureDim}\u0000${r.M}\u0000${r.seed}`;
  const referenceError = new Map(reference.records.map((r) => [cellOf(r), r.error]));
  return others.flatMap((run) => {
    if (unpairedReason(reference, run) !== null) return [];
    const groups = new Map<string, ModelRecord[]>();
    for (const r of run.records.filter((record) => referenceError.has(cellOf(record)))) {
      const key = `${r.model}\u0000${r.featureDim}\u0000${r.M}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    return [...groups.values()].map((group) => {
      const { model, featureDim, M } = group[0];
      const diffs = group.map((r) => r.error - referenceError.get(cellOf(r))!);
      const [ciLow, ciHigh] = bootstrapMeanInterval(diffs, `compare/${reference.label}/${run.label}/${model}/${featureDim}/${M}`);
      return {
        run: run.label,
        reference: reference.label,
        model: labelOf(model, featureDim, several),
        name: model,
        featureDim,
        M,
        n: diffs.length,
        meanDiff: mean(diffs),
        ciLow,
        ciHigh,
        winShare: diffs.filter((d) => d < 0).length / diffs.length,
      };
    });
  });
}

/** Leaf paths of a JSON value ("featureMap.epochs", "models.2.name"; a list of numbers or strings is one leaf), with their values as JSON. */
function leaves(value: unknown, path: string, out: Map<string, string>): Map<string, string> {
  const isList = Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object');
  if (value !== null && typeof value === 'object' && !isList) {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    if (entries.length === 0) out.set(path, JSON.stringify(value));
    for (const [key, child] of entries) leaves(child, path ? `${path}.${key}` : key, out);
  } else {
    out.set(path, JSON.stringify(value));
  }
  return out;
}

/** The resolved-config paths whose values are not the same in every run (the description left out), with each run's value. */
export function configDifferences(runs: ComparedRun[]): Array<{ path: string; values: string[] }> {
  const flat = runs.map((run) => leaves(run.config, '', new Map()));
  const paths = [...new Set(flat.flatMap((f) => [...f.keys()]))].filter((path) => path !== 'description');
  return paths
    .map((path) => ({ path, values: flat.map((f) => f.get(path) ?? '—') }))
    .filter(({ values }) => new Set(values).size > 1);
}
