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
import { cellIdentity, constantAxes, describeCell, sweepAxes } from '../experiments/cellIdentity.ts';
import { stableJson } from '../config/jsonPaths.ts';
import { readResultsFolder } from '../runs/resultsFolder.ts';
import { phaseCells, phaseFits } from '../output/phase.ts';
import type { Claim } from './recipe.ts';
import type { RecipeRun } from './run.ts';

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

/** The results a recipe's claims are checked on: its one results folder. */
interface RunRecords {
  records: ModelRecord[];
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
      const records = run.records.filter((r) => r.M >= claim.minM);
      // M always named; D_Φ and swept values only where they vary
      const without = ['seed', ...constantAxes(records).filter((axis) => axis !== 'M')];
      const settings = new Map(records.map((r) => [cellIdentity(r, { without: ['seed'] }), r]));
      for (const [setting, example] of settings) {
        const at = (model: string) =>
          stat(
            records.filter((r) => r.model === model && cellIdentity(r, { without: ['seed'] }) === setting).map((r) => r[claim.metric] as number),
            claim.statistic,
          );
        const where = describeCell(example, { without });
        margins.push({ where, margin: at(claim.model) - at(claim.than) });
      }
    }
    if (margins.length === 0) return { value: `no setting with M ≥ ${claim.minM}`, holds: false };
    const worst = margins.reduce((a, b) => (b.margin > a.margin ? b : a));
    return { value: `largest ${claim.statistic} difference ${fmt(worst.margin)} (${worst.where}; ${margins.length} settings)`, holds: worst.margin < 0 };
  },
  trend: (claim, runs) => {
    const records = recordsOf(runs, claim.model);
    const axis = sweepAxes(records).find((a) => a.path === claim.axis);
    if (!axis) throw new UserError(`trend claim "${claim.id}": the results do not sweep "${claim.axis}" (swept: ${sweepAxes(records).map((a) => a.path).join(', ') || 'nothing'})`);
    const xs = axis.values.map(Number);
    const ys = axis.values.map((value) =>
      stat(records.filter((r) => stableJson(r.sweep?.[claim.axis]) === stableJson(value)).map((r) => r[claim.metric] as number), claim.statistic),
    );
    const rho = sampleRankCorrelation(xs, ys);
    return { value: `Spearman ρ = ${fmt(rho)} over ${xs.length} values of ${claim.axis} (≤ ${claim.maxRho} needed)`, holds: rho <= claim.maxRho };
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
  const results = readResultsFolder(folder);
  const runs: RunRecords[] = [{ records: results.cells.flatMap((c) => c.records), directory: results.directory, phaseTarget: results.config.metrics.phaseTarget }];
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
