/**
 * The `panel-change` claim of the 2-D figure recipes: per case × α, the median (or mean) over seeds
 * of metric(N = to) − metric(N = from), seed by seed, read from the run's panels.csv. Measures of
 * the memories alone (Δ_min, loss) are the same in every α column and are compared once per case.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { mean, median } from 'simple-statistics';
import { UserError } from '../errors.ts';
import type { Claim } from './recipe.ts';

type PanelChange = Extract<Claim, { kind: 'panel-change' }>;

/** Measures of the memories alone, the same in every α column: compared once per case. */
const memoryMeasures = new Set(['deltaMin', 'loss']);

const fmt = (v: number) => (v === 0 ? '0' : `${v > 0 ? '+' : ''}${Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3)}`);

export function checkPanelChange(claim: PanelChange, directories: string[]): { value: string; holds: boolean } {
  const rows = directories.flatMap((directory) => {
    const file = join(directory, 'panels.csv');
    if (!existsSync(file)) throw new UserError(`${file} is missing: panel-change claims need a 2-D figure recipe (config kind landscape or basins)`);
    return parse(readFileSync(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
  });
  if (rows.length && !(claim.metric in rows[0])) throw new UserError(`panels.csv has no column "${claim.metric}" (claim ${claim.id})`);
  const chosen = rows.filter(
    (r) => (claim.memories === undefined || Number(r.memories) === claim.memories) && (!claim.alphas || claim.alphas.includes(Number(r.alpha))),
  );
  const groups = new Map<string, Array<Record<string, string>>>();
  const perAlpha = !memoryMeasures.has(claim.metric);
  const firstAlpha = chosen[0]?.alpha;
  for (const r of chosen) {
    if (!perAlpha && r.alpha !== firstAlpha) continue;
    const key = perAlpha ? `${r.case}/${r.alpha}` : r.case;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const multipleCases = new Set(chosen.map((r) => r.case)).size > 1;
  const changes = [...groups.values()].flatMap((group) => {
    const at = (N: number) => new Map(group.filter((r) => Number(r.iterations) === N).map((r) => [r.seed, Number(r[claim.metric])]));
    const [before, after] = [at(claim.from), at(claim.to)];
    const diffs = [...after].filter(([seed]) => before.has(seed)).map(([seed, value]) => value - before.get(seed)!);
    if (diffs.length === 0) return [];
    const memories = `${group[0].memories} memories`;
    const where = perAlpha ? `${group[0].separation}${multipleCases ? `, ${memories}` : ''}` : memories;
    return [{ where, change: claim.statistic === 'median' ? median(diffs) : mean(diffs), seeds: diffs.length }];
  });
  if (changes.length === 0) return { value: `no panels with N = ${claim.from} and N = ${claim.to} for this selection`, holds: false };
  const holds = changes.every((c) => (claim.direction === 'rises' ? c.change > 0 : c.change < 0));
  const seeds = [...new Set(changes.map((c) => c.seeds))].join('/');
  return {
    value: `${claim.statistic} change of ${claim.metric}, N = ${claim.from} → ${claim.to}: ${changes.map((c) => `${fmt(c.change)} (${c.where})`).join(', ')}; ${seeds} seeds`,
    holds,
  };
}
