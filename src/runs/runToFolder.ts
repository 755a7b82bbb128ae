/** Runs a config's sweep into a results folder and writes its tables, plots, report and manifest. */
import type { ResolvedConfig } from '../config/parity.ts';
import { runSweep, type SweepOptions, type SweepProgress, type SweepResult } from './sweep.ts';
import { buildManifest, gitCommit, type Manifest } from './provenance.ts';
import { withFolderLock } from './folderLock.ts';
import { claimFolderFor } from './folderConfig.ts';
import type { FigureThread } from '../output/figureThread.ts';

/** Holds the folder's lock throughout; refuses a folder written by a config whose cells differ (UserError). */
export async function runToFolder(
  config: ResolvedConfig,
  options: SweepOptions,
  shardLabel: string | null = null,
): Promise<{ result: SweepResult; manifest: Manifest }> {
  const startedAt = new Date();
  gitCommit(); // for the manifest, asked now: git runs while the cells do
  // the output code loads, and the figure thread starts (it loads vega and resvg), once the first
  // cells are handed out, while they run, not after the sweep; loaded with the plan, they had
  // delayed the first cell
  let writer: Promise<typeof import('../output/writeResults.ts')> | null = null;
  let figures = null as Promise<FigureThread> | null;
  const loadWriter = () => {
    if (!writer) {
      writer = import('../output/writeResults.ts');
      figures = import('../output/figureThread.ts').then(({ startFigureThread }) => startFigureThread());
      // awaited after the sweep: a failed import is reported there, not as an unhandled rejection mid-sweep
      writer.catch(() => {});
      figures.catch(() => {});
    }
    return writer;
  };
  // each hook called on the caller's own object (a class's methods are not own properties to spread)
  const given = options.progress;
  const progress: SweepProgress = {
    onPlan: (plan, toRun, workers) => given?.onPlan?.(plan, toRun, workers),
    onDamaged: (cell) => given?.onDamaged?.(cell),
    onCellStart: (cell, worker) => {
      given?.onCellStart?.(cell, worker);
      if (!writer) setImmediate(loadWriter); // after the cells handed out at once
    },
    onCellDone: (cell, ok, done, toRun, worker) => given?.onCellDone?.(cell, ok, done, toRun, worker),
  };
  const work = withFolderLock(options.resultsDir, async () => {
    claimFolderFor(options.resultsDir, config);
    const result = await runSweep(config, { ...options, progress });
    const manifest = await buildManifest({
      startedAt,
      backend: result.plan.backend,
      dataset: result.plan.data,
      cellKeys: result.plan.cells.map((cell) => cell.key),
      cells: {
        total: result.plan.cells.length,
        cached: result.plan.cells.length - result.ran,
        ran: result.ran,
        failed: result.failed.length,
      },
      workers: result.workers,
      shard: shardLabel,
    });
    const { writeResults } = await loadWriter();
    await writeResults(options.resultsDir, config, result.cells, result.failed, manifest, (await figures!).render);
    return { result, manifest };
  });
  try {
    return await work;
  } finally {
    await figures?.then((thread) => thread.close(), () => {});
  }
}
