/** `uhop bench`: times the core operations (plain wasm and wasm + BLAS side by side) and writes bench.csv. */
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { initBackend, setBlasMatMul } from '../backend/select.ts';
import { runBench, type BenchRow } from '../experiments/bench.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runSweep } from '../experiments/sweep.ts';
import { loadConfig } from '../config/load.ts';
import { writeFileAtomic } from '../output/atomic.ts';

export interface BenchOptions {
  out: string;
  repeats: string;
  config: string | false;
}

/** A whole sweep of `path` from scratch, in this thread (one worker), into a throw-away folder. */
async function timeConfig(path: string, label: string): Promise<BenchRow> {
  const resultsDir = mkdtempSync(join(tmpdir(), 'uhop-bench-'));
  const started = performance.now();
  await runSweep(loadConfig(path), { resultsDir, workers: 1, force: true });
  const ms = performance.now() - started;
  rmSync(resultsDir, { recursive: true, force: true });
  return { op: `whole run, 1 worker: uhop run ${path}`, backend: label, ms, gflops: NaN };
}

export async function benchCommand(options: BenchOptions): Promise<void> {
  const backend = await initBackend();
  const repeats = Math.max(1, Number.parseInt(options.repeats, 10) || 5);
  // With a BLAS, measure both kernels in this process: first BLAS, then tfjs's own.
  const variants = backend.blas ? [true, false] : [false];
  const rows: BenchRow[] = [];
  for (const useBlas of variants) {
    setBlasMatMul(useBlas);
    const label = useBlas ? backend.label : backend.choice;
    rows.push(...runBench(label, repeats));
    if (options.config) {
      process.stderr.write(`timing ${options.config} on ${label}...\n`);
      rows.push(await timeConfig(options.config, label));
    }
  }
  setBlasMatMul(true);
  printSideBySide(rows);
  const file = join(resolve(options.out), 'bench.csv');
  writeFileAtomic(file, stringify(rows, { header: true, columns: ['op', 'backend', 'ms', 'gflops'] }));
  const blas = backend.blas ? `; BLAS: ${backend.blas.library}, ${backend.blas.config}, ${backend.blas.threads} threads` : '';
  console.log(`wrote ${file}${blas}`);
  if (!backend.blas && backend.blasSkipped.length) console.log(`no BLAS: ${backend.blasSkipped.join('; ')}`);
}

function printSideBySide(rows: BenchRow[]): void {
  const labels = [...new Set(rows.map((r) => r.backend))];
  const ops = [...new Set(rows.map((r) => r.op))];
  const cell = (row: BenchRow | undefined) =>
    row ? `${row.ms.toFixed(1).padStart(9)} ms ${Number.isFinite(row.gflops) ? `${row.gflops.toFixed(1).padStart(6)} GF/s` : ''.padStart(11)}` : '';
  console.log(['op'.padEnd(66), ...labels.map((l) => l.padStart(24))].join(' '));
  for (const op of ops) {
    console.log([op.padEnd(66), ...labels.map((l) => cell(rows.find((r) => r.op === op && r.backend === l)).padStart(24))].join(' '));
  }
}
