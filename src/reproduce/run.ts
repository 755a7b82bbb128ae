/** `uhop reproduce`: runs a recipe's profile into <out>/<recipe>/ (one run; settings of a figure are swept axes). */
import { join } from 'node:path';
import { loadConfigWithPlugins } from '../plugins/configPlugins.ts';
import { runToFolder } from '../runs/runToFolder.ts';
import { runFigureToFolder } from '../runs/figureToFolder.ts';
import type { SweepProgress } from '../runs/sweep.ts';
import { assertRunnable } from '../runs/preflight.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { removeStaleTemporaries } from '../io/staleTemporaries.ts';
import { isFigureConfigFile, loadFigureConfig, type FigureKind } from '../config/figureSchema.ts';
import type { LoadedRecipe, Recipe } from './recipe.ts';

export type ProfileName = 'ci' | 'full';

/** What was run, stored beside the results so that `uhop verify` needs nothing else. */
export interface RecipeRun {
  recipe: Recipe;
  profile: ProfileName;
  /** Set for a 2-D figure recipe (config kind landscape / basins), whose folder has panels instead of cells. */
  experiment?: FigureKind;
}

const assignments = (fields: Record<string, unknown>) => Object.entries(fields).map(([key, value]) => `${key}=${JSON.stringify(value)}`);

/** The --set assignments of a recipe's profile (recipe, then profile, then the caller's). */
export function recipeSettings(recipe: Recipe, profile: ProfileName, extra: string[] = []): string[] {
  return [...assignments(recipe.set), ...assignments(recipe.profiles[profile].set), ...extra];
}

export async function runRecipe(
  loaded: LoadedRecipe,
  profile: ProfileName,
  outRoot: string,
  options: { workers?: number; set?: string[]; onRun?(folder: string): void; progress?: SweepProgress } = {},
): Promise<RecipeRun> {
  const { recipe, configPath } = loaded;
  const sets = recipeSettings(recipe, profile, options.set);
  const folder = join(outRoot, recipe.name);
  let run: RecipeRun;
  if (isFigureConfigFile(configPath)) {
    const config = loadFigureConfig(configPath, sets);
    options.onRun?.(recipe.name);
    await runFigureToFolder(config, folder);
    run = { recipe, profile, experiment: config.kind };
  } else {
    const config = await loadConfigWithPlugins(configPath, sets);
    assertRunnable(config, `recipe ${recipe.name}`);
    options.onRun?.(recipe.name);
    await runToFolder(config, { resultsDir: folder, workers: options.workers, progress: options.progress });
    run = { recipe, profile };
  }
  removeStaleTemporaries(folder);
  writeFileAtomic(join(folder, 'recipe-run.json'), `${JSON.stringify(run, null, 2)}\n`);
  return run;
}
