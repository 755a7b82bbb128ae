/** Sweep progress: a bar with ETA and per-worker status on a terminal, one line per cell otherwise. */
import cliProgress from 'cli-progress';
import type { PlannedCell, SweepPlan, SweepProgress } from '../runs/sweep.ts';
import type { CellKey } from '../experiments/cell.ts';
import { describeCell } from '../experiments/cellIdentity.ts';
import { OUTPUT_SECONDS, runSeconds, WORKER_START_SECONDS } from '../runs/cost.ts';
import { totalSeconds } from '../runs/estimate.ts';

/**
 * Seconds left, from the cost model's prediction of each cell: before any cell is done, the
 * predicted wall time; after, the elapsed time scaled by the predicted work left over the work done
 * (so a run whose largest cells come first neither starts at 0 nor at many times the truth).
 */
export function etaTracker(plan: SweepPlan, workers: number, now = () => Date.now()) {
  const pending = plan.cells.filter((cell) => !cell.cached);
  const predicted = new Map(pending.map((cell) => [cell.key, totalSeconds(cell.estimate)]));
  const total = [...predicted.values()].reduce((a, b) => a + b, 0);
  const wall = runSeconds(pending.map((cell) => cell.estimate), workers);
  const begun = now();
  let done = 0;
  return {
    cellDone(cell: CellKey) {
      done += predicted.get((cell as PlannedCell).key) ?? 0;
    },
    seconds(): number {
      const elapsed = (now() - begun) / 1000;
      if (done <= 0) return Math.max(0, wall - elapsed);
      // the pace of the cells so far (the workers' start-up is not theirs), then the tables and figures
      const cellsElapsed = Math.max(0, elapsed - (workers > 1 ? WORKER_START_SECONDS : 0));
      return (cellsElapsed * Math.max(0, total - done)) / done + OUTPUT_SECONDS;
    },
  };
}

const clock = (seconds: number) => {
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};


/** Exit codes of a process ended by SIGINT / SIGTERM, as a shell reports them. */
const signalExit = { SIGINT: 130, SIGTERM: 143 } as const;

/** `stream`: where the progress goes (stderr; tests pass a stand-in terminal). */
export function progressReporter(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): SweepProgress & { stop(): void } {
  if (quiet) return { stop: () => {} };
  const status: string[] = [];
  const announce = (cached: number, toRun: number, workers: number) =>
    stream.write(`${cached} cached, ${toRun} to run${toRun ? ` on ${workers} worker(s)` : ''}\n`);
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'cells {bar} {value}/{total} | elapsed {duration_formatted} | ETA {left} | {workers}',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    let eta: ReturnType<typeof etaTracker> | null = null;
    let timer: NodeJS.Timeout | undefined;
    const left = () => (eta ? clock(eta.seconds()) : '?');
    // Ctrl-C (or kill) while the bar hides the cursor: show it again before the process ends
    const interrupted = (signal: keyof typeof signalExit) => {
      bar.stop();
      stream.write(`\nuhop: interrupted (${signal}); finished cells are kept, the same command resumes\n`);
      process.exit(signalExit[signal]);
    };
    const release = () => {
      process.removeListener('SIGINT', interrupted);
      process.removeListener('SIGTERM', interrupted);
    };
    return {
      onPlan: (plan, toRun, workers) => {
        announce(plan.cells.length - toRun, toRun, workers);
        if (toRun === 0) return;
        eta = etaTracker(plan, workers);
        status.length = workers;
        status.fill('idle');
        process.once('SIGINT', interrupted);
        process.once('SIGTERM', interrupted);
        bar.start(toRun, 0, { workers: '', left: left() });
        timer = setInterval(() => bar.update({ left: left() }), 1000);
        timer.unref();
        started = true;
      },
      onCellStart: (cell, worker) => {
        status[worker] = describeCell(cell);
        bar.update({ workers: status.map((s, i) => `w${i + 1}: ${s}`).join(' | '), left: left() });
      },
      onCellDone: (cell, _ok, done) => {
        eta?.cellDone(cell);
        bar.update(done, { left: left() });
      },
      stop: () => {
        clearInterval(timer);
        release();
        if (started) bar.stop();
      },
    };
  }
  const begun = Date.now();
  let eta: ReturnType<typeof etaTracker> | null = null;
  return {
    onPlan: (plan, toRun, workers) => {
      announce(plan.cells.length - toRun, toRun, workers);
      eta = etaTracker(plan, workers);
    },
    onCellDone: (cell, ok, done, total, worker) => {
      const elapsed = (Date.now() - begun) / 1000;
      eta?.cellDone(cell);
      stream.write(
        `cell ${done}/${total} (${describeCell(cell)}, worker ${worker + 1})${ok ? '' : ' FAILED'} elapsed ${elapsed.toFixed(1)}s, ETA ${(eta?.seconds() ?? 0).toFixed(1)}s\n`,
      );
    },
    stop: () => {},
  };
}

/** A stored cell file that is damaged: said on stderr (even with --quiet), as the run replaces it. */
export function reportDamaged(cell: PlannedCell): void {
  process.stderr.write(`uhop: ${cell.damaged}; recomputing this cell\n`);
}
