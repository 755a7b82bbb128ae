/** `uhop reproduce` (run the papers' recipes) and `uhop verify` (check their claims). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { UserError } from '../errors.ts';
import { loadConfig } from '../config/load.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import { expandCells } from '../runs/grid.ts';
import { runSeconds, type Rates } from '../runs/cost.ts';
import { estimateCell } from '../runs/estimate.ts';
import { ratesFor } from '../runs/calibration.ts';
import { initBackend } from '../backend/select.ts';
import { cellCost } from '../runs/cost.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { ensureWritableFolder } from '../io/writableFolder.ts';
import { removeStaleTemporaries } from '../io/staleTemporaries.ts';
import { loadPool } from '../data/registry.ts';
import { listRecipes, type LoadedRecipe } from '../reproduce/recipe.ts';
import { recipeSettings, runRecipe, type ProfileName, type RecipeRun } from '../reproduce/run.ts';
import { evaluateClaims, failingStatuses, type ClaimResult, type ClaimStatus } from '../reproduce/claims.ts';
import { isFigureConfigFile, loadFigureConfig } from '../config/figureSchema.ts';
import { reportDamaged } from './progress.ts';

export interface ReproduceOptions {
  all?: boolean;
  list?: boolean;
  profile: string;
  out: string;
  set: string[];
  workers?: string;
}

/** The data dimension a config implies, without loading the data. */
function dataDim(config: ResolvedConfig): number {
  const dataset = config.dataset;
  if (dataset.name === 'synthetic-sphere' || dataset.name === 'synthetic-clusters') return dataset.dim;
  if (dataset.name === 'cifar10') return dataset.grayscale ? 1024 : 3072;
  return 784;
}

function profileCost(loaded: LoadedRecipe, profile: ProfileName, rates: Rates): { gflop: number; seconds: number } {
  const config = loadConfig(loaded.configPath, recipeSettings(loaded.recipe, profile));
  const costs = expandCells(config).map((cell) => ({ cost: cellCost(config, cell, dataDim(config)), estimate: estimateCell(config, cell, dataDim(config), rates) }));
  const gflop = costs.reduce((s, c) => s + c.cost.stageIFlops + c.cost.retrievalFlops + c.cost.geometryFlops, 0) / 1e9;
  return { gflop, seconds: runSeconds(costs.map((c) => c.estimate), 1) };
}

/** What a 2-D figure recipe's profile computes (no cells, so no FLOP estimate: seconds at most). */
function figureProfileWork(loaded: LoadedRecipe, profile: ProfileName): string {
  const config = loadFigureConfig(loaded.configPath, recipeSettings(loaded.recipe, profile));
  const panels = config.cases.length * config.iterations.length * config.alphas.length;
  return `${profile} ${config.grid}×${config.grid} grid, ${panels} panels × ${config.seeds.length} seed(s)`;
}

/** The missing-data message of a recipe's dataset, or null when its files are found. */
function missingData(loaded: LoadedRecipe): string | null {
  const config = loadConfig(loaded.configPath);
  try {
    loadPool(config.dataset);
    return null;
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
}

function selected(names: string[], options: ReproduceOptions): LoadedRecipe[] {
  const recipes = listRecipes();
  if (options.all || options.list) return names.length ? recipes.filter((r) => names.includes(r.recipe.name)) : recipes;
  if (names.length === 0) throw new UserError('name the recipes to run, or use --all (uhop reproduce --list shows them)');
  const unknown = names.filter((name) => !recipes.some((r) => r.recipe.name === name));
  if (unknown.length) throw new UserError(`unknown recipe(s): ${unknown.join(', ')}; known: ${recipes.map((r) => r.recipe.name).join(', ')}`);
  return recipes.filter((r) => names.includes(r.recipe.name));
}

export async function reproduceCommand(names: string[], options: ReproduceOptions): Promise<void> {
  if (options.profile !== 'ci' && options.profile !== 'full') throw new UserError(`--profile must be ci or full, got "${options.profile}"`);
  const profile = options.profile as ProfileName;
  const recipes = selected(names, options);
  if (options.list) {
    const rates = await ratesFor((await initBackend()).label);
    for (const loaded of recipes) {
      const { recipe } = loaded;
      const figure = isFigureConfigFile(loaded.configPath);
      const cost = (p: ProfileName) => {
        if (figure) return figureProfileWork(loaded, p);
        const c = profileCost(loaded, p, rates);
        return `${p} ${c.gflop.toFixed(0)} GFLOP ≈ ${Math.max(1, Math.round(c.seconds))} s on one worker`;
      };
      console.log(`${recipe.name.padEnd(26)} ${recipe.paper} — ${recipe.figure} [${recipe.protocol}]; ${cost('ci')}; ${cost('full')}; ${recipe.claims.length} claim(s)`);
    }
    return;
  }
  const out = resolve(options.out);
  ensureWritableFolder(out, '--out');
  const workers = options.workers ? Number(options.workers) : undefined;
  for (const loaded of recipes) {
    const started = Date.now();
    const missing = loaded.recipe.needsFiles ? missingData(loaded) : null;
    if (missing && options.all) {
      console.log(`${loaded.recipe.name}: skipped, its data is not here (${missing.split('\n')[0]})`);
      continue;
    }
    await runRecipe(loaded, profile, out, {
      workers,
      set: options.set,
      onRun: (folder) => process.stderr.write(`reproduce: ${folder} (${profile})\n`),
      progress: { onDamaged: reportDamaged },
    });
    console.log(`${loaded.recipe.name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s → ${join(options.out, loaded.recipe.name)}`);
  }
}

function recipeRuns(directory: string): Array<{ run: RecipeRun; folder: string }> {
  if (!existsSync(directory)) throw new UserError(`${directory} not found: run uhop reproduce first`);
  const runs = readdirSync(directory)
    .map((name) => join(directory, name))
    .filter((folder) => existsSync(join(folder, 'recipe-run.json')))
    .map((folder) => ({ run: JSON.parse(readFileSync(join(folder, 'recipe-run.json'), 'utf8')) as RecipeRun, folder }));
  if (runs.length === 0) throw new UserError(`${directory} holds no recipe results (no */recipe-run.json)`);
  return runs;
}

export function claimsMarkdown(results: ClaimResult[]): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  return [
    '| recipe | claim | measured | paper | status |',
    '| --- | --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.recipe} | ${escape(r.text)} | ${escape(r.value)} | ${escape(r.paper)} | ${failingStatuses.has(r.status) ? `**${r.status}**` : r.status} |`),
  ].join('\n');
}

export async function verifyCommand(directory: string): Promise<void> {
  const root = resolve(directory);
  // the claims of the recipe as it is now (edited claims need no recompute); the stored ones otherwise
  const current = new Map(listRecipes().map(({ recipe }) => [recipe.name, recipe]));
  const results = recipeRuns(root).flatMap(({ run, folder }) => {
    const recipe = current.get(run.recipe.name);
    return evaluateClaims(recipe ? { ...run, recipe: { ...run.recipe, claims: recipe.claims, figure: recipe.figure } } : run, folder);
  });
  removeStaleTemporaries(root);
  writeFileAtomic(join(root, 'claims.csv'), stringify(results, { header: true, columns: ['recipe', 'figure', 'claim', 'text', 'value', 'paper', 'expected', 'status'] }));
  writeFileAtomic(join(root, 'claims.md'), `# Claims of the papers, checked\n\n${claimsMarkdown(results)}\n`);
  for (const r of results) console.log(`${r.status}  ${r.recipe}/${r.claim}: ${r.value}`);
  const statuses: ClaimStatus[] = ['pass', 'fails as expected', 'fail', 'unexpectedly passes'];
  const counts = statuses.map((status) => `${results.filter((r) => r.status === status).length} ${status}`);
  console.log(`${results.length} claims: ${counts.join(', ')}; wrote ${join(directory, 'claims.md')}`);
  // a claim known not to reproduce that now holds is news too: the recipe's expectation needs a look
  if (results.some((r) => failingStatuses.has(r.status))) process.exitCode = 1;
}
