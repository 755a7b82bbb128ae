/** `uhop run CONFIG`: load and validate, run the cells not yet in the results folder, write tables. */
import { join, relative, resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import { UserError } from '../errors.ts';
import { parseShard, planSweep, type SweepPlan } from '../runs/sweep.ts';
import { benchRates, cellCost, estimateSeconds } from '../runs/cost.ts';
import { folderConflict } from '../runs/folderConfig.ts';
import { progressReporter, reportDamaged } from './progress.ts';
import { describeConfig } from './describe.ts';
import { describeCell } from '../experiments/cellIdentity.ts';

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

function describePlan(config: ResolvedConfig, plan: SweepPlan, conflict: string | null): string {
  const pending = plan.cells.filter((cell) => !cell.cached);
  const costs = pending.map((cell) => cellCost(config, cell, plan.data.dim));
  const flops = costs.reduce((s, c) => s + c.stageIFlops + c.retrievalFlops, 0);
  const rates = benchRates(plan.backend.label);
  const time = rates
    ? `about ${estimateSeconds(costs, rates).toFixed(0)} s on one ${plan.backend.label} worker (from results/bench/bench.csv)`
    : `no time estimate: run \`npm run bench\` on this machine first`;
  return [
    describeConfig(config),
    `${plan.cells.length} cells here: ${plan.cells.length - pending.length} cached, ${pending.length} to run`,
    `${(flops / 1e9).toFixed(1)} GFLOP to run, ${time}`,
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

export async function runCommand(configPath: string, options: RunOptions): Promise<void> {
  const config = loadConfig(configPath, options.set, options.sweep);
  const directory = resolve(options.out ?? join('results', config.name));
  const shard = options.shard ? parseShard(options.shard) : undefined;
  const workers = parseWorkers(options.workers);
  if (options.dryRun) {
    const plan = await planSweep(config, directory, { shard, force: options.force, dataDir: options.dataDir });
    console.log(describePlan(config, plan, folderConflict(directory, config)));
    return;
  }
  const startedAt = new Date();
  // a damaged cell file is said even with --quiet: the run replaces it
  const progress = { ...progressReporter(Boolean(options.quiet)), onDamaged: reportDamaged };
  let outcome;
  try {
    const sweep = { resultsDir: directory, workers, force: options.force, shard, dataDir: options.dataDir, progress };
    const { runToFolder } = await import('../runs/runToFolder.ts');
    outcome = await runToFolder(config, sweep, options.shard ?? null);
  } finally {
    progress.stop();
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
