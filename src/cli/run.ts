/** `uhop run CONFIG`: load and validate, run the cells not yet in the results folder, write tables. */
import { dirname, join, relative, resolve } from 'node:path';
import { loadConfigWithPlugins } from '../plugins/configPlugins.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import { UserError } from '../errors.ts';
import type { SweepPlan } from '../runs/sweep.ts';
import { parseShard } from '../runs/grid.ts';
import { startPoolEarly } from '../runs/earlyPool.ts';
import { cellCost, runSeconds } from '../runs/cost.ts';
import { chooseWorkers } from '../runs/estimate.ts';
import { progressReporter, reportDamaged } from './progress.ts';
import { folderConflict } from '../runs/folderConfig.ts';
import { describeCell } from '../experiments/cellIdentity.ts';
import { describeConfig, describeFigureConfig } from './describe.ts';
import { isFigureConfigFile, loadFigureConfig } from '../config/figureSchema.ts';
import { assertRunnable } from '../runs/preflight.ts';
import { assertFolderPath, ensureWritableFolder } from '../io/writableFolder.ts';
import { diskFullError, isDiskFull } from './systemErrors.ts';
import { refuseRecipe } from './recipeHint.ts';

export interface RunOptions {
  out?: string;
  set: string[];
  sweep: string[];
  dryRun?: boolean;
  quiet?: boolean;
  force?: boolean;
  workers?: string;
  shard?: string;
  dataDir?: string;
}

function describePlan(config: ResolvedConfig, plan: SweepPlan, requestedWorkers: number | undefined, conflict: string | null): string {
  const pending = plan.cells.filter((cell) => !cell.cached);
  const estimates = pending.map((cell) => cell.estimate);
  const workers = chooseWorkers(requestedWorkers, estimates);
  const flops = pending.map((cell) => cellCost(config, cell, plan.data.dim)).reduce((s, c) => s + c.stageIFlops + c.retrievalFlops + c.geometryFlops, 0);
  return [
    describeConfig(config),
    `${plan.cells.length} cells here: ${plan.cells.length - pending.length} cached, ${pending.length} to run`,
    `${(flops / 1e9).toFixed(1)} GFLOP to run on ${plan.backend.label}`,
    `estimate: ${pending.length ? runSeconds(estimates, workers).toFixed(0) : 0} s on ${workers} worker(s)`,
    ...(conflict ? [`note: a run would be refused: ${conflict}; use --out`] : []),
    ...plan.cells.map(
      (cell) => `  ${describeCell(cell)} ${cell.key} ${cell.cached ? 'cached' : cell.damaged ? 'damaged, will recompute' : cell.failedBefore ? 'failed before, will retry' : 'to run'}`,
    ),
  ].join('\n');
}

function parseWorkers(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const workers = Number(text);
  if (!Number.isInteger(workers) || workers < 1) throw new UserError(`--workers expects a positive integer, got "${text}"`);
  return workers;
}

/** A 2-D figure config: computed in seconds, in one thread, without cells (so no cache, shards or workers). */
async function runFigureCommand(configPath: string, options: RunOptions): Promise<void> {
  const unused = (['workers', 'shard', 'dataDir'] as const).filter((option) => options[option] !== undefined);
  if (unused.length) throw new UserError(`--${unused.map((o) => (o === 'dataDir' ? 'data-dir' : o)).join(', --')}: not used by a 2-D figure config (kind landscape / basins)`);
  const config = loadFigureConfig(configPath, options.set);
  if (options.dryRun) {
    console.log(describeFigureConfig(config));
    return;
  }
  const directory = resolve(options.out ?? join('results', config.name));
  const started = Date.now();
  const { runFigureToFolder } = await import('../runs/figureToFolder.ts');
  const { panels, backend } = await runFigureToFolder(config, directory);
  if (!options.quiet) {
    console.log(`${config.name}: ${panels} panels in ${((Date.now() - started) / 1000).toFixed(1)} s on ${backend}; wrote ${relative(process.cwd(), directory) || '.'}/`);
  }
}

/** results/<name>: a name that leads out of results/ is refused (the schema already refuses "." and ".."). */
function resultsFolderOf(name: string): string {
  const root = resolve('results');
  const folder = resolve(root, name);
  if (dirname(folder) !== root) throw new UserError(`name: "${name}" does not name a folder inside results/`);
  return folder;
}

export async function runCommand(configPath: string, options: RunOptions): Promise<void> {
  refuseRecipe(configPath);
  if (isFigureConfigFile(configPath)) return runFigureCommand(configPath, options);
  const config = await loadConfigWithPlugins(configPath, options.set, options.sweep);
  assertRunnable(config, configPath);
  const directory = resolve(options.out ?? resultsFolderOf(config.name));
  const folderLabel = options.out === undefined ? 'results folder' : '--out';
  const shard = options.shard ? parseShard(options.shard) : undefined;
  const workers = parseWorkers(options.workers);
  assertFolderPath(directory, folderLabel);
  if (options.dryRun) {
    const { planSweep } = await import('../runs/sweep.ts');
    const plan = await planSweep(config, directory, { shard, force: options.force, dataDir: options.dataDir });
    console.log(describePlan(config, plan, workers, folderConflict(directory, config)));
    return;
  }
  ensureWritableFolder(directory, folderLabel);
  const startedAt = new Date();
  // a damaged cell file is said even with --quiet: the run replaces it
  const progress = { ...progressReporter(Boolean(options.quiet)), onDamaged: reportDamaged };
  // the workers start now, before this thread loads tfjs and the run's modules (./earlyPool.ts)
  const early = startPoolEarly(config, { workers, shard });
  let outcome;
  try {
    const sweep = { resultsDir: directory, workers, force: options.force, shard, dataDir: options.dataDir, progress, early };
    const { runToFolder } = await import('../runs/runToFolder.ts');
    outcome = await runToFolder(config, sweep, options.shard ?? null);
  } catch (error) {
    // cells are written one by one, atomically: those finished before the disk filled up are whole
    throw isDiskFull(error) ? diskFullError(directory) : error;
  } finally {
    progress.stop();
    // the sweep closes the pool it used; one left unused (the folder was refused, say) ends here
    await early?.then((pool) => pool.close(), () => {});
  }
  const { result, manifest } = outcome;
  const seconds = ((Date.now() - startedAt.getTime()) / 1000).toFixed(1);
  if (!options.quiet) {
    console.log(
      `${config.name}: ${result.plan.cells.length} cells (${manifest.cells.cached} cached, ${result.ran} run) in ${seconds} s on ${result.plan.backend.label}; wrote ${relative(process.cwd(), directory) || '.'}/`,
    );
  }
  if (result.failed.length) {
    console.error(`uhop: ${result.failed.length} cell(s) failed (see failed.csv; the next run retries them):`);
    for (const cell of result.failed) console.error(`  ${describeCell(cell)}: ${cell.error.split('\n')[0]}`);
    process.exitCode = 1;
  }
}
