/** `uhop run CONFIG`: load, validate, run every cell, write the results folder. */
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import { expandCells } from '../experiments/grid.ts';
import { runExperiment } from '../experiments/runner.ts';
import { buildManifest } from '../output/manifest.ts';
import { writeResults } from '../output/writeResults.ts';
import { progressReporter } from './progress.ts';

export interface RunOptions {
  out?: string;
  set: string[];
  dryRun?: boolean;
  quiet?: boolean;
}

export function describePlan(config: ResolvedConfig): string {
  const cells = expandCells(config);
  return [
    `${config.name}: ${cells.length} cells (M ∈ {${config.memories.join(', ')}} × ${config.seeds.length} seeds), parity ${config.parity}`,
    `models: ${config.models.map((m) => m.name).join(', ')}`,
    ...cells.map((cell) => `  cell M=${cell.memories} seed=${cell.seed}`),
  ].join('\n');
}

export async function runCommand(configPath: string, options: RunOptions): Promise<void> {
  const config = loadConfig(configPath, options.set);
  if (options.dryRun) {
    console.log(describePlan(config));
    return;
  }
  const directory = resolve(options.out ?? join('results', config.name));
  const startedAt = new Date();
  const progress = progressReporter(Boolean(options.quiet));
  let result;
  try {
    result = await runExperiment(config, progress);
  } finally {
    progress.stop();
  }
  const files = await writeResults(directory, config, result, buildManifest(result, startedAt, new Date()));
  const seconds = ((Date.now() - startedAt.getTime()) / 1000).toFixed(1);
  if (!options.quiet) {
    console.log(`${config.name}: ${result.records.length} records in ${seconds} s on ${result.backend.choice}`);
    console.log(`wrote ${directory}/ (${files.map((f) => f.slice(directory.length + 1)).join(', ')})`);
  }
}
