/**
 * Recipes: each figure or table of the two papers that concerns memory capacity, as a config to
 * run (with a `ci` and a `full` profile) and the papers' claims as checks that can fail.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { formatIssues } from '../config/load.ts';
import { panelMetrics } from '../experiments/panelMetrics.ts';

const metric = z.enum(['error', 'successRate', 'exactRate', 'metastableShare', 'sepLossFinal', 'deltaMin']);
const statistic = z.enum(['median', 'mean']).default('median');
const common = {
  id: z.string().regex(/^[a-z0-9-]+$/),
  text: z.string().describe('the claim in words, as the paper makes it'),
  paper: z.string().optional().describe('what the paper reports for it, when it gives numbers'),
  expected: z
    .enum(['pass', 'fail'])
    .default('pass')
    .describe('fail: the claim is known not to reproduce with this protocol; the check then guards that finding'),
};

const panelMetric = z.enum([...new Set([...panelMetrics.landscape, ...panelMetrics.basins])] as [string, ...string[]]);

/** Claims on the 2-D figure recipes (configs of kind landscape / basins): their panels.csv. */
const panelChangeClaim = z
  .object({
    kind: z.literal('panel-change'),
    ...common,
    metric: panelMetric.describe('a column of panels.csv'),
    from: z.number().int().nonnegative().default(0).describe('U-Hop+ iterations N of the reference row (0 = the raw memories)'),
    to: z.number().int().positive().describe('U-Hop+ iterations N of the row compared with it'),
    direction: z.enum(['rises', 'falls']),
    statistic,
    memories: z.number().int().optional().describe('only the cases with this many memories (default: every case)'),
    alphas: z.array(z.number()).min(1).optional().describe('only these α (default: every α)'),
  })
  .strict()
  .describe('the statistic over seeds of (metric at N = to) − (metric at N = from), same seed, is > 0 (rises) or < 0 (falls) in every case × α');

export const claimSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('below'),
      ...common,
      model: z.string(),
      than: z.string(),
      metric: metric.default('error'),
      statistic,
      minM: z.number().int().default(0).describe('checked at every M ≥ minM (and every D_Φ and swept value)'),
    })
    .strict()
    .describe('statistic(metric of model) < statistic(metric of than) at every M ≥ minM'),
  z
    .object({
      kind: z.literal('trend'),
      ...common,
      model: z.string(),
      metric: metric.default('error'),
      statistic,
      axis: z.string().describe('the swept config path (a key of the config\'s sweep), e.g. "featureMap.epochs"'),
      maxRho: z.number().describe('Spearman ρ between the axis value and the statistic at that value must be ≤ this'),
    })
    .strict()
    .describe('the statistic falls (or rises) along a swept axis (pooled over the other axes)'),
  z
    .object({
      kind: z.literal('correlation'),
      ...common,
      model: z.string(),
      x: metric,
      y: metric,
      minRho: z.number().describe('Spearman ρ between x and y over all cells of the model must be ≥ this'),
    })
    .strict(),
  z
    .object({ kind: z.literal('within-bounds'), ...common })
    .strict()
    .describe('Δ_min reached by Stage I lies between the Proposition 3.1 bounds at every M'),
  z
    .object({
      kind: z.literal('log-fit'),
      ...common,
      model: z.string(),
      minR2: z.number(),
      minSlope: z.number().default(0),
    })
    .strict()
    .describe('the smallest sufficient D_Φ grows like a + b·ln M, with b ≥ minSlope and R² ≥ minR2'),
  panelChangeClaim,
  z
    .object({
      kind: z.literal('loss-drop'),
      ...common,
      within: z.number().int().positive().describe('Stage I epochs'),
      minShare: z.number().gt(0).max(1).describe('share of the fall from the first to the last epoch reached by epoch `within`'),
    })
    .strict()
    .describe(
      'Stage I (stage1.csv): the loss, mean over seeds (the minibatch mean where there is one), ends below where it starts, and at least minShare of that fall happens within the first `within` epochs, at every M and D_Φ',
    ),
]);

const overrides = z.record(z.string(), z.unknown()).default({}).describe('config fields set as with --set key=value');

const profileSchema = z.object({ set: overrides }).strict();

export const recipeSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/),
    paper: z.enum(['U-Hop (ICML 2024)', 'KHM / U-Hop+ (NeurIPS 2024)']),
    figure: z.string().describe('which figure or table of the paper'),
    protocol: z.enum(['official', 'textbook']),
    description: z.string().optional(),
    config: z.string().describe('the config to run, relative to the recipe file'),
    needsFiles: z
      .boolean()
      .default(false)
      .describe('the data must be fetched first (uhop data fetch); --all skips the recipe, saying so, when it is missing'),
    set: overrides,
    profiles: z.object({ ci: profileSchema, full: profileSchema }).strict(),
    claims: z.array(claimSchema).min(1),
  })
  .strict();

export type Recipe = z.output<typeof recipeSchema>;
export type Claim = z.output<typeof claimSchema>;

export const recipesFolder = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'configs', 'paper');

export interface LoadedRecipe {
  recipe: Recipe;
  /** Absolute path of the recipe's config. */
  configPath: string;
}

export function loadRecipe(path: string): LoadedRecipe {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UserError(`${path}: ${(error as Error).message}`);
  }
  const parsed = recipeSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(formatIssues(path, parsed.error).replace('invalid config', 'invalid recipe'));
  return { recipe: parsed.data, configPath: resolve(dirname(path), parsed.data.config) };
}

export function listRecipes(folder = recipesFolder): LoadedRecipe[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => loadRecipe(join(folder, name)));
}
