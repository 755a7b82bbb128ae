/** Runs one cell and classifies what happened, in the main thread or in a worker. */
import { UserError } from '../errors.ts';
import { loadPool } from '../data/registry.ts';
import { runCell } from '../experiments/cell.ts';
import type { BlockRunner } from '../experiments/blockRunner.ts';
import { noPlugins, type PluginSet } from '../plugins/contract.ts';
import type { CellOutcome, CellTask } from './workerProtocol.ts';

/** `plugins`: the config's plugin modules, loaded by the caller (loading is async). */
export async function runCellTask(task: CellTask, backendLabel: string, runner?: BlockRunner, plugins: PluginSet = noPlugins): Promise<CellOutcome> {
  try {
    const { dataset, queries } = task.config;
    const queryPool = queries.from === 'test' && 'split' in dataset ? loadPool({ ...dataset, split: 'test' }, task.dataDir) : undefined;
    return { kind: 'done', result: await runCell(task.config, loadPool(dataset, task.dataDir), task.cell, backendLabel, queryPool, runner, plugins) };
  } catch (error) {
    if (error instanceof UserError) return { kind: 'user-error', error: error.message };
    // CellFailure (NaN/Inf) and unexpected errors alike: recorded, retried on the next run
    const message = error instanceof Error ? (error.name === 'CellFailure' ? error.message : error.stack ?? error.message) : String(error);
    return { kind: 'failed', error: message };
  }
}
