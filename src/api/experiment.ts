/** Configs and whole runs from a script: the same validation, cache, resume and files as `uhop run`. */
import { resolve } from 'node:path';
import { loadConfig as loadConfigFile, resolveConfigObject } from '../config/load.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import type { ConfigInput } from '../config/schema.ts';
import { UserError } from '../errors.ts';
import type { CellKey, FailedCell, ModelRecord } from '../experiments/records.ts';
import type { Manifest } from '../output/manifest.ts';
import { runToFolder } from '../runs/runToFolder.ts';
import type { SweepProgress } from '../runs/sweep.ts';
import { progressReporter } from '../cli/progress.ts';

/**
 * A config file (JSON or YAML) or a config object, with `set` overrides ("key.path=value", value
 * parsed as JSON, as `uhop run --set`), validated and resolved (every parity switch filled in).
 * Invalid input throws a UserError whose `issues` hold each problem with its field path.
 */
export function loadConfig(source: string | ConfigInput, options: { set?: string[] } = {}): ResolvedConfig {
  return typeof source === 'string' ? loadConfigFile(source, options.set) : resolveConfigObject(source, options.set);
}

export type ProgressEvent =
  | { kind: 'plan'; cells: number; cached: number; toRun: number; workers: number; backend: string }
  | { kind: 'start'; cell: CellKey; worker: number }
  | { kind: 'done'; cell: CellKey; ok: boolean; done: number; toRun: number; worker: number };

export interface RunExperimentOptions {
  /** Results folder: cells/ (the cache), cells.csv, summary, plots, report.md, manifest.json. */
  out: string;
  /** Worker threads (default: one per core); 1 runs the cells in this thread. */
  workers?: number;
  /** No progress on stderr (default false: the same lines or bar as `uhop run`). */
  quiet?: boolean;
  /** Called as the sweep is planned and as each cell starts and ends. */
  onProgress?: (event: ProgressEvent) => void;
  /** Run cells again that are already in `out` (default false: they are reused). */
  force?: boolean;
  /** Searched first for data files (then UHOP_DATA_DIR, ./data). */
  dataDir?: string;
}

export interface ExperimentResult {
  /** Absolute path of the results folder. */
  folder: string;
  /** One record per model per finished cell (the rows of cells.csv), in grid order. */
  records: ModelRecord[];
  /** Cells whose run failed (recorded in failed.csv; a later run retries them). */
  failed: FailedCell[];
  manifest: Manifest;
}

function progressOf(options: RunExperimentOptions): SweepProgress & { stop(): void } {
  const printer = progressReporter(options.quiet ?? false);
  const emit = options.onProgress ?? (() => {});
  return {
    onPlan: (plan, toRun, workers) => {
      printer.onPlan?.(plan, toRun, workers);
      emit({ kind: 'plan', cells: plan.cells.length, cached: plan.cells.length - toRun, toRun, workers, backend: plan.backend.label });
    },
    onCellStart: (cell, worker) => {
      printer.onCellStart?.(cell, worker);
      emit({ kind: 'start', cell, worker });
    },
    onCellDone: (cell, ok, done, toRun, worker) => {
      printer.onCellDone?.(cell, ok, done, toRun, worker);
      emit({ kind: 'done', cell, ok, done, toRun, worker });
    },
    stop: () => printer.stop(),
  };
}

/** Runs the config's cells not yet in `out`, stores each as it finishes, and writes the result files. */
export async function runExperiment(config: ResolvedConfig, options: RunExperimentOptions): Promise<ExperimentResult> {
  if (typeof options?.out !== 'string' || options.out === '') throw new UserError('runExperiment: options.out (the results folder) is required');
  if (options.workers !== undefined && !(Number.isInteger(options.workers) && options.workers >= 1)) {
    throw new UserError(`runExperiment: workers must be a positive integer, got ${options.workers}`);
  }
  const folder = resolve(options.out);
  const progress = progressOf(options);
  try {
    const sweep = { resultsDir: folder, workers: options.workers, force: options.force, dataDir: options.dataDir, progress };
    const { result, manifest } = await runToFolder(config, sweep);
    return { folder, records: result.cells.flatMap((cell) => cell.records), failed: result.failed, manifest };
  } finally {
    progress.stop();
  }
}
