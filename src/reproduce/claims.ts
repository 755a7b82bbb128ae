/**
 * Evaluating a recipe's claims on its results (no recompute). Each check returns the measured value
 * and whether the claim holds; with the claim's `expected` that gives its status. `expected: "fail"`
 * records a claim of the paper that does not reproduce here: it "fails as expected" while it keeps
 * failing and "unexpectedly passes" when it holds, so a change shows either way.
 *
 * Only committed files are read (results/paper keeps them; cells/ and manifest.json are not
 * committed): recipe-run.json, each run's config.resolved.json and cells.csv, and
 * separation-bounds.csv where a claim needs it. So a fresh clone verifies as the folder that ran.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mean, median, sampleRankCorrelation } from 'simple-statistics';
import { parse } from 'csv-parse/sync';
import { UserError } from '../errors.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import { recordsFromCellsCsv, type CellsCsvRecord } from '../output/tables.ts';
import { cellIdentity, constantAxes, describeCell, sweepAxes } from '../experiments/cellIdentity.ts';
import { stableJson } from '../config/jsonPaths.ts';
import { phaseCells, phaseFits } from '../output/phase.ts';
import { curvePoints } from '../output/stageOne.ts';
import type { StageOneRow } from '../experiments/records.ts';
import type { Claim } from './recipe.ts';
import type { RecipeRun } from './run.ts';
import { checkPanelChange } from './panelClaims.ts';

export type ClaimStatus = 'pass' | 'fail' | 'fails as expected' | 'unexpectedly passes';

/** The statuses `uhop verify` exits non-zero on. */
export const failingStatuses: ReadonlySet<ClaimStatus> = new Set(['fail', 'unexpectedly passes']);

export function claimStatus(holds: boolean, expected: 'pass' | 'fail'): ClaimStatus {
  if (expected === 'pass') return holds ? 'pass' : 'fail';
  return holds ? 'unexpectedly passes' : 'fails as expected';
}

export interface ClaimResult {
  recipe: string;
  figure: string;
  claim: string;
  text: string;
  /** The measured quantity, in words and numbers. */
  value: string;
  paper: string;
  /** What the recipe expects: "fail" for a claim known not to reproduce here. */
  expected: 'pass' | 'fail';
  status: ClaimStatus;
}

/** The results a recipe's claims are checked on: its one results folder. */
interface RunRecords {
  records: CellsCsvRecord[];
  /** The Stage I curves of the run's cells (its stage1.csv, where there is one). */
  curves: StageOneRow[];
  directory: string;
  phaseTarget: number;
}

/** One file of a run's folder, parsed; a missing or unreadable file is the user's (exit 2). */
function readPart<T>(directory: string, name: string, read: (text: string) => T): T {
  const path = join(directory, name);
  if (!existsSync(path)) throw new UserError(`${path} not found: is ${directory} a folder written by \`uhop reproduce\`?`);
  try {
    return read(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UserError(`${path}: unreadable (${(error as Error).message})`);
  }
}

/** A run's records from its cells.csv and its phase target from config.resolved.json. */
function readRunRecords(directory: string): RunRecords {
  const config = readPart(directory, 'config.resolved.json', (text) => JSON.parse(text) as ResolvedConfig);
  const records = readPart(directory, 'cells.csv', (text) => recordsFromCellsCsv(text, join(directory, 'cells.csv'), (config.sweep ?? {}) as Record<string, unknown[]>));
  const curves = existsSync(join(directory, 'stage1.csv')) ? readPart(directory, 'stage1.csv', stageOneFromCsv) : [];
  return { records, curves, directory, phaseTarget: config.metrics.phaseTarget };
}

/** stage1.csv read back (empty fields are the unmeasured values). */
function stageOneFromCsv(text: string): StageOneRow[] {
  const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
  const value = (field: string) => (field === '' ? null : Number(field));
  return rows.map((r) => ({ M: Number(r.M), seed: Number(r.seed), featureDim: Number(r.featureDim), epoch: Number(r.epoch), loss: value(r.loss), batchLoss: value(r.batchLoss), deltaMin: value(r.deltaMin) }));
}

const stat = (values: number[], statistic: 'median' | 'mean') => (statistic === 'median' ? median(values) : mean(values));
const fmt = (v: number) => (Math.abs(v) >= 100 || v === 0 ? v.toFixed(1) : v.toPrecision(3));

function recordsOf(runs: RunRecords[], model: string): CellsCsvRecord[] {
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
  'loss-drop': (claim, runs) => {
    const shares = runs.flatMap((run) => {
      const points = curvePoints(run.curves);
      return [...new Set(points.map((p) => p.curve))].map((curve) => {
        const series = points.filter((p) => p.curve === curve);
        const [first, last] = [series[0], series[series.length - 1]];
        const at = series.filter((p) => p.epoch <= claim.within).at(-1)!;
        const fall = first.mean - last.mean;
        const where = curve;
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
  'panel-change': (claim, runs) => checkPanelChange(claim, runs.map((r) => r.directory)),
};

export function evaluateClaims(run: RecipeRun, folder: string): ClaimResult[] {
  // a 2-D figure run has no cells: its claims read its panels.csv
  const runs: RunRecords[] = [run.experiment ? { records: [], curves: [], directory: folder, phaseTarget: NaN } : readRunRecords(folder)];
  return run.recipe.claims.map((claim) => {
    const outcome = (checks[claim.kind] as Check)(claim as never, runs);
    const expected = claim.expected ?? 'pass';
    return {
      recipe: run.recipe.name,
      figure: run.recipe.figure,
      claim: claim.id,
      text: claim.text,
      value: outcome.value,
      paper: claim.paper ?? '',
      expected,
      status: claimStatus(outcome.holds, expected),
    };
  });
}
