/** `uhop reproduce`: runs a recipe's profile into <out>/<recipe>/ (one subfolder per varied value). */
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { runToFolder } from '../runs/runToFolder.ts';
import type { SweepProgress } from '../runs/sweep.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import type { LoadedRecipe, Recipe } from './recipe.ts';

export type ProfileName = 'ci' | 'full';

/** What was run, stored beside the results so that `uhop verify` needs nothing else. */
export interface RecipeRun {
  recipe: Recipe;
  profile: ProfileName;
  /** One entry per run: the varied value (null without `vary`) and its folder (relative). */
  runs: Array<{ value: unknown; folder: string }>;
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
  options: { workers?: number; set?: string[]; onRun?(folder: string): void; progress?: SweepProgress } = {},
): Promise<RecipeRun> {
  const { recipe, configPath } = loaded;
  const chosen = recipe.profiles[profile];
  const base = [...assignments(recipe.set), ...assignments(chosen.set), ...(options.set ?? [])];
  const values = recipe.vary ? (chosen.values ?? recipe.vary.values) : [null];
  const folder = join(outRoot, recipe.name);
  const runs: RecipeRun['runs'] = [];
  for (const value of values) {
    const sets = recipe.vary ? [...base, `${recipe.vary.key}=${JSON.stringify(value)}`] : base;
    const config = loadConfig(configPath, sets);
    const name = runFolderName(recipe, value);
    options.onRun?.(join(recipe.name, name));
    await runToFolder(config, { resultsDir: join(folder, name), workers: options.workers, progress: options.progress });
    runs.push({ value, folder: name });
  }
  const run: RecipeRun = { recipe, profile, runs };
  writeFileAtomic(join(folder, 'recipe-run.json'), `${JSON.stringify(run, null, 2)}\n`);
  return run;
}
