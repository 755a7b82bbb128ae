/** `uhop reproduce`: runs a recipe's profile into <out>/<recipe>/ (one subfolder per varied value). */
import { join } from 'node:path';
import { loadConfigWithPlugins } from '../plugins/load.ts';
import { runToFolder } from '../runs/runToFolder.ts';
import { assertRunnable } from '../runs/preflight.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { UserError } from '../errors.ts';
import { removeStaleTemporaries } from '../io/staleTemporaries.ts';
import type { LoadedRecipe, Recipe } from './recipe.ts';
import { isFigureConfigFile, loadFigureConfig, type FigureKind } from '../config/figureSchema.ts';
import { runFigureToFolder } from '../runs/figureToFolder.ts';

export type ProfileName = 'ci' | 'full';

/** What was run, stored beside the results so that `uhop verify` needs nothing else. */
export interface RecipeRun {
  recipe: Recipe;
  profile: ProfileName;
  /** One entry per run: the varied value (null without `vary`) and its folder (relative). */
  runs: Array<{ value: unknown; folder: string }>;
  /** Set for a 2-D figure recipe (config kind landscape / basins), whose runs have panels instead of cells. */
  experiment?: FigureKind;
}

const assignments = (fields: Record<string, unknown>) => Object.entries(fields).map(([key, value]) => `${key}=${JSON.stringify(value)}`);

/** A varied value as text for folder names and tables: objects as key-value pairs. */
export function describeValue(value: unknown): string {
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, v]) => `${key}-${describeValue(v)}`)
      .join('_');
  }
  return String(value).replace(/[^A-Za-z0-9.+-]/g, '_');
}

export function runFolderName(recipe: Recipe, value: unknown): string {
  return recipe.vary ? `${recipe.vary.label}=${describeValue(value)}` : '.';
}

export async function runRecipe(
  loaded: LoadedRecipe,
  profile: ProfileName,
  outRoot: string,
  options: { workers?: number; set?: string[]; onRun?(folder: string): void } = {},
): Promise<RecipeRun> {
  const { recipe, configPath } = loaded;
  const chosen = recipe.profiles[profile];
  const base = [...assignments(recipe.set), ...assignments(chosen.set), ...(options.set ?? [])];
  if (isFigureConfigFile(configPath)) return runFigureRecipe(loaded, profile, outRoot, base, options.onRun);
  const values = recipe.vary ? (chosen.values ?? recipe.vary.values) : [null];
  const folder = join(outRoot, recipe.name);
  const runs: RecipeRun['runs'] = [];
  // every run's config is checked before the first one starts
  const configs = await Promise.all(
    values.map(async (value) => {
      const config = await loadConfigWithPlugins(configPath, recipe.vary ? [...base, `${recipe.vary.key}=${JSON.stringify(value)}`] : base);
      assertRunnable(config, `recipe ${recipe.name}${recipe.vary ? ` (${recipe.vary.label} = ${describeValue(value)})` : ''}`);
      return config;
    }),
  );
  for (const [i, value] of values.entries()) {
    const config = configs[i];
    const name = runFolderName(recipe, value);
    options.onRun?.(join(recipe.name, name));
    await runToFolder(config, { resultsDir: join(folder, name), workers: options.workers });
    runs.push({ value, folder: name });
  }
  const run: RecipeRun = { recipe, profile, runs };
  removeStaleTemporaries(folder);
  writeFileAtomic(join(folder, 'recipe-run.json'), `${JSON.stringify(run, null, 2)}\n`);
  return run;
}

/** A 2-D figure recipe: one run of its config (no `vary`), into <out>/<recipe>/. */
async function runFigureRecipe(loaded: LoadedRecipe, profile: ProfileName, outRoot: string, sets: string[], onRun?: (folder: string) => void): Promise<RecipeRun> {
  const { recipe, configPath } = loaded;
  if (recipe.vary) throw new UserError(`recipe ${recipe.name}: a 2-D figure config (kind landscape / basins) takes no "vary"`);
  const config = loadFigureConfig(configPath, sets);
  const folder = join(outRoot, recipe.name);
  onRun?.(recipe.name);
  await runFigureToFolder(config, folder);
  const run: RecipeRun = { recipe, profile, runs: [{ value: null, folder: '.' }], experiment: config.kind };
  writeFileAtomic(join(folder, 'recipe-run.json'), `${JSON.stringify(run, null, 2)}\n`);
  return run;
}
