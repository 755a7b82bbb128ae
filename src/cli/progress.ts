/** Sweep progress: a bar with ETA and per-worker status on a terminal, one line per cell otherwise. */
import cliProgress from 'cli-progress';
import type { PlannedCell, SweepProgress } from '../runs/sweep.ts';
import { describeCell as describe } from '../experiments/cellIdentity.ts';

export function progressReporter(quiet: boolean): SweepProgress & { stop(): void } {
  if (quiet) return { stop: () => {} };
  const status: string[] = [];
  const announce = (cached: number, toRun: number, workers: number) =>
    process.stderr.write(`${cached} cached, ${toRun} to run${toRun ? ` on ${workers} worker(s)` : ''}\n`);
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: 'cells {bar} {value}/{total} | elapsed {duration_formatted} | ETA {eta_formatted} | {workers}',
        etaBuffer: 20,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      onPlan: (plan, toRun, workers) => {
        announce(plan.cells.length - toRun, toRun, workers);
        if (toRun === 0) return;
        status.length = workers;
        status.fill('idle');
        bar.start(toRun, 0, { workers: '' });
        started = true;
      },
      onCellStart: (cell, worker) => {
        status[worker] = describe(cell);
        bar.update({ workers: status.map((s, i) => `w${i + 1}: ${s}`).join(' | ') });
      },
      onCellDone: (_cell, _ok, done) => bar.update(done),
      stop: () => started && bar.stop(),
    };
  }
  const begun = Date.now();
  return {
    onPlan: (plan, toRun, workers) => announce(plan.cells.length - toRun, toRun, workers),
    onCellDone: (cell, ok, done, total, worker) => {
      const elapsed = (Date.now() - begun) / 1000;
      const eta = (elapsed / done) * (total - done);
      process.stderr.write(
        `cell ${done}/${total} (${describe(cell)}, worker ${worker + 1})${ok ? '' : ' FAILED'} elapsed ${elapsed.toFixed(1)}s, ETA ${eta.toFixed(1)}s\n`,
      );
    },
    stop: () => {},
  };
}

/** A stored cell file that is damaged: said on stderr (even with --quiet), as the run replaces it. */
export function reportDamaged(cell: PlannedCell): void {
  process.stderr.write(`uhop: ${cell.damaged}; recomputing this cell\n`);
}
