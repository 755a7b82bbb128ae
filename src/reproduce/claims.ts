/**
 * Evaluating a recipe's claims on its results (no recompute). Each check returns the measured value,
 * what it was held against, and whether it passed; `expected: "fail"` records a claim of the paper
 * that does not reproduce here (it then passes only while it keeps failing, so a change shows).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mean, median, sampleRankCorrelation } from 'simple-statistics';
import { parse } from 'csv-parse/sync';
import { UserError } from '../errors.ts';
import type { ModelRecord } from '../experiments/cell.ts';
import { readResultsFolder } from '../runs/resultsFolder.ts';
import { phaseCells, phaseFits } from '../output/phase.ts';
import { curvePoints } from '../output/stageOne.ts';
import type { StageOneRow } from '../experiments/records.ts';
import type { Claim } from './recipe.ts';
import { describeValue, type RecipeRun } from './run.ts';

export interface ClaimResult {
  recipe: string;
  figure: string;
  claim: string;
  text: string;
  /** The measured quantity, in words and numbers. */
  value: string;
  passed: boolean;
  paper: string;
}

interface RunRecords {
  value: unknown;
  records: ModelRecord[];
  /** The Stage I curves of the run's cells. */
  curves: StageOneRow[];
  directory: string;
  phaseTarget: number;
}

const stat = (values: number[], statistic: 'median' | 'mean') => (statistic === 'median' ? median(values) : mean(values));
const fmt = (v: number) => (Math.abs(v) >= 100 || v === 0 ? v.toFixed(1) : v.toPrecision(3));

function recordsOf(runs: RunRecords[], model: string): ModelRecord[] {
  const records = runs.flatMap((r) => r.records.filter((x) => x.model === model));
  if (records.length === 0) throw new UserError(`claim refers to model "${model}", which is not in the results`);
  return records;
}

type Check = (claim: never, runs: RunRecords[]) => { value: string; holds: boolean };

const checks: { [K in Claim['kind']]: (claim: Extract<Claim, { kind: K }>, runs: RunRecords[]) => { value: string; holds: boolean } } = {
  below: (claim, runs) => {
    recordsOf(runs, claim.model);
    recordsOf(runs, claim.than);
    const margins: Array<{ where: string; margin: number }> = [];
    for (const run of runs) {
      const keys = [...new Set(run.records.filter((r) => r.M >= claim.minM).map((r) => `${r.M}/${r.featureDim}`))];
      for (const key of keys) {
        const at = (model: string) =>
          stat(run.records.filter((r) => r.model === model && `${r.M}/${r.featureDim}` === key).map((r) => r[claim.metric] as number), claim.statistic);
        const where = `M=${key.split('/')[0]}${run.value === null ? '' : `, ${describeValue(run.value)}`}`;
        margins.push({ where, margin: at(claim.model) - at(claim.than) });
      }
    }
    if (margins.length === 0) return { value: `no setting with M ≥ ${claim.minM}`, holds: false };
    const worst = margins.reduce((a, b) => (b.margin > a.margin ? b : a));
    return { value: `largest ${claim.statistic} difference ${fmt(worst.margin)} (${worst.where}; ${margins.length} settings)`, holds: worst.margin < 0 };
  },
  trend: (claim, runs) => {
    const xs = runs.map((r) => Number(r.value));
    const ys = runs.map((r) => stat(r.records.filter((x) => x.model === claim.model).map((x) => x[claim.metric] as number), claim.statistic));
    const rho = sampleRankCorrelation(xs, ys);
    return { value: `Spearman ρ = ${fmt(rho)} (≤ ${claim.maxRho} needed)`, holds: rho <= claim.maxRho };
  },
  correlation: (claim, runs) => {
    const records = recordsOf(runs, claim.model);
    const rho = sampleRankCorrelation(records.map((r) => r[claim.x] as number), records.map((r) => r[claim.y] as number));
    return { value: `Spearman ρ(${claim.x}, ${claim.y}) = ${fmt(rho)} over ${records.length} cells (≥ ${claim.minRho} needed)`, holds: rho >= claim.minRho };
  },
  'within-bounds': (_claim, runs) => {
    const rows = runs.flatMap((run) => {
      const file = join(run.directory, 'separation-bounds.csv');
      if (!existsSync(file)) throw new UserError(`${file} is missing: the recipe's config must draw the separation-bounds figure`);
      return parse(readFileSync(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    });
    const outside = rows.filter((r) => !(Number(r.lower) <= Number(r.reached) && Number(r.reached) <= Number(r.upper)));
    return { value: `${rows.length - outside.length} of ${rows.length} M within [lower, upper]`, holds: outside.length === 0 && rows.length > 0 };
  },
  'loss-drop': (claim, runs) => {
    const shares = runs.flatMap((run) => {
      const points = curvePoints(run.curves);
      return [...new Set(points.map((p) => p.curve))].map((curve) => {
        const series = points.filter((p) => p.curve === curve);
        const [first, last] = [series[0], series[series.length - 1]];
        const at = series.filter((p) => p.epoch <= claim.within).at(-1)!;
        const fall = first.mean - last.mean;
        const where = `${curve}${run.value === null ? '' : `, ${describeValue(run.value)}`}`;
        return { where, fall, share: fall > 0 ? (first.mean - at.mean) / fall : -Infinity, first: first.mean, last: last.mean };
      });
    });
    if (shares.length === 0) return { value: 'no Stage I curves (stage1.csv) in the results', holds: false };
    const worst = shares.reduce((a, b) => (b.share < a.share ? b : a));
    const value = `smallest share of the fall by epoch ${claim.within}: ${fmt(worst.share)} (${worst.where}: loss ${fmt(worst.first)} → ${fmt(worst.last)}; ${shares.length} curves; ≥ ${claim.minShare} needed)`;
    return { value, holds: worst.share >= claim.minShare };
  },
  'log-fit': (claim, runs) => {
    const fits = phaseFits(phaseCells(runs.flatMap((r) => r.records)), runs[0].phaseTarget);
    const fit = fits.find((f) => f.model === claim.model);
    if (!fit) throw new UserError(`claim refers to model "${claim.model}", which has no phase-diagram cells`);
    if (fit.b === null || fit.r2 === null) return { value: `only ${fit.needed.length} M reach the target: no fit`, holds: false };
    return {
      value: `D_Φ ≈ ${fmt(fit.a!)} + ${fmt(fit.b)}·ln M, R² = ${fmt(fit.r2)} (b ≥ ${claim.minSlope}, R² ≥ ${claim.minR2} needed)`,
      holds: fit.b >= claim.minSlope && fit.r2 >= claim.minR2,
    };
  },
};

export function evaluateClaims(run: RecipeRun, folder: string): ClaimResult[] {
  const runs: RunRecords[] = run.runs.map(({ value, folder: sub }) => {
    const results = readResultsFolder(join(folder, sub));
    return {
      value,
      records: results.cells.flatMap((c) => c.records),
      curves: results.cells.flatMap((c) => c.stageOne ?? []),
      directory: results.directory,
      phaseTarget: results.config.metrics.phaseTarget,
    };
  });
  return run.recipe.claims.map((claim) => {
    const outcome = (checks[claim.kind] as Check)(claim as never, runs);
    const expected = claim.expected ?? 'pass';
    return {
      recipe: run.recipe.name,
      figure: run.recipe.figure,
      claim: claim.id,
      text: claim.text + (expected === 'fail' ? ' (known not to reproduce here)' : ''),
      value: outcome.value,
      passed: outcome.holds === (expected === 'pass'),
      paper: claim.paper ?? '',
    };
  });
}
