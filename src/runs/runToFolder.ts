/** Runs a config's sweep into a results folder and writes its tables, plots, report and manifest. */
import type { ResolvedConfig } from '../config/parity.ts';
import { runSweep, type SweepOptions, type SweepResult } from './sweep.ts';
import { buildManifest, type Manifest } from './provenance.ts';
import { withFolderLock } from './folderLock.ts';
import { claimFolderFor } from './folderConfig.ts';

/** Holds the folder's lock throughout; refuses a folder written by a config whose cells differ (UserError). */
export async function runToFolder(
  config: ResolvedConfig,
  options: SweepOptions,
  shardLabel: string | null = null,
): Promise<{ result: SweepResult; manifest: Manifest }> {
  const startedAt = new Date();
  // the plotting code (vega, resvg) loads while the workers start, not after the sweep
  const writer = import('../output/writeResults.ts');
  return withFolderLock(options.resultsDir, async () => {
    claimFolderFor(options.resultsDir, config);
    const result = await runSweep(config, options);
    const manifest = buildManifest({
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
    const { writeResults } = await writer;
    await writeResults(options.resultsDir, config, result.cells, result.failed, manifest);
    return { result, manifest };
  });
}
