/** Sweep progress: a bar with ETA and per-worker status on a terminal, one line per cell otherwise. */
import cliProgress from 'cli-progress';
import type { SweepProgress } from '../runs/sweep.ts';
import type { CellKey } from '../experiments/cell.ts';

/** "M=100 D_Φ=8 seed=3" (D_Φ only when the grid has one). */
export const cellLabel = (cell: CellKey) =>
  `M=${cell.memories}${cell.featureDim !== undefined && cell.featureDim !== null ? ` D_Φ=${cell.featureDim}` : ''} seed=${cell.seed}`;

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
        format: 'cells {bar} {value}/{total} | elapsed {duration_formatted} | ETA {eta_formatted} | {workers}',
        etaBuffer: 20,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
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
        status.length = workers;
        status.fill('idle');
        process.once('SIGINT', interrupted);
        process.once('SIGTERM', interrupted);
        bar.start(toRun, 0, { workers: '' });
        started = true;
      },
      onCellStart: (cell, worker) => {
        status[worker] = cellLabel(cell);
        bar.update({ workers: status.map((s, i) => `w${i + 1}: ${s}`).join(' | ') });
      },
      onCellDone: (_cell, _ok, done) => bar.update(done),
      stop: () => {
        release();
        if (started) bar.stop();
      },
    };
  }
  const begun = Date.now();
  return {
    onPlan: (plan, toRun, workers) => announce(plan.cells.length - toRun, toRun, workers),
    onCellDone: (cell, ok, done, total, worker) => {
      const elapsed = (Date.now() - begun) / 1000;
      const eta = (elapsed / done) * (total - done);
      stream.write(
        `cell ${done}/${total} (${cellLabel(cell)}, worker ${worker + 1})${ok ? '' : ' FAILED'} elapsed ${elapsed.toFixed(1)}s, ETA ${eta.toFixed(1)}s\n`,
      );
    },
    stop: () => {},
  };
}
