/** Progress reporting for a run: a bar with ETA on a terminal, one line per finished cell otherwise. */
import cliProgress from 'cli-progress';
import type { RunProgress } from '../experiments/runner.ts';

export function progressReporter(quiet: boolean): RunProgress & { stop(): void } {
  if (quiet) return { stop: () => {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: 'cells {bar} {value}/{total} | {percentage}% | elapsed {duration_formatted} | ETA {eta_formatted} | {cell}',
        etaBuffer: 20,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      onStart: (total) => bar.start(total, 0, { cell: 'starting' }),
      onCellDone: (cell, done) => bar.update(done, { cell: `M=${cell.memories} seed=${cell.seed}` }),
      stop: () => bar.stop(),
    };
  }
  const started = Date.now();
  return {
    onStart: (total) => process.stderr.write(`running ${total} cells\n`),
    onCellDone: (cell, done, total) => {
      const elapsed = (Date.now() - started) / 1000;
      const eta = (elapsed / done) * (total - done);
      process.stderr.write(
        `cell ${done}/${total} (M=${cell.memories}, seed=${cell.seed}) elapsed ${elapsed.toFixed(1)}s, ETA ${eta.toFixed(1)}s\n`,
      );
    },
    stop: () => {},
  };
}
