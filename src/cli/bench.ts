/** `uhop bench`: times the core operations and whole runs on each matMul kernel; writes bench.csv. */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { activeBlas, initBackend, setBlasMatMul } from '../backend/select.ts';
import { runBench, type BenchRow } from '../bench/bench.ts';
import { defaultWorkers, runSweep } from '../runs/sweep.ts';
import { loadConfig } from '../config/load.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { removeStaleTemporaries } from '../io/staleTemporaries.ts';
import { compareRecords } from '../bench/agreement.ts';
import { processTimings } from '../bench/processTimes.ts';
import type { ModelRecord } from '../experiments/records.ts';

export interface BenchOptions {
  out: string;
  repeats: string;
  config: string | false;
  /** Whole processes: start-up, `uhop run` of the config, the 5,000-memory cell (false: --no-processes). */
  processes: boolean;
  bigCell: boolean;
}

/** A whole sweep of `path` from scratch into a throw-away folder; its records for the agreement check. */
async function timeConfig(path: string, label: string, workers: number): Promise<{ row: BenchRow; records: ModelRecord[] }> {
  const resultsDir = mkdtempSync(join(tmpdir(), 'uhop-bench-'));
  const started = performance.now();
  const result = await runSweep(loadConfig(path), { resultsDir, workers, force: true });
  const ms = performance.now() - started;
  rmSync(resultsDir, { recursive: true, force: true });
  return { row: { op: `whole run, ${workers} worker(s): uhop run ${path}`, backend: label, ms, gflops: NaN }, records: result.cells.flatMap((c) => c.records) };
}

interface Variant {
  label: string;
  /** Switches this process's kernel; workers of whole runs pick the same one from the environment. */
  apply(): void;
  env: Record<string, string>;
  wholeRuns: boolean;
}

export async function benchCommand(options: BenchOptions): Promise<void> {
  const backend = await initBackend();
  const repeats = Math.max(1, Number.parseInt(options.repeats, 10) || 5);
  const blas = activeBlas();
  const cores = availableParallelism();
  const threads = blas?.info.threads ?? 1;
  const variants: Variant[] = [];
  if (blas) {
    variants.push({ label: backend.label, apply: () => (setBlasMatMul(true), blas.setThreads(threads)), env: {}, wholeRuns: true });
    if (cores > threads) {
      // what one tfjs instance gets from every core, for comparison with multi-threaded PyTorch
      variants.push({ label: `${backend.choice}+blas×${cores} (ops only)`, apply: () => (setBlasMatMul(true), blas.setThreads(cores)), env: {}, wholeRuns: false });
    }
  }
  variants.push({ label: backend.choice, apply: () => (setBlasMatMul(false), blas?.setThreads(threads)), env: { UHOP_BLAS: 'off' }, wholeRuns: true });

  const rows: BenchRow[] = [];
  /** Records of each kernel's whole run, to check that they agree. */
  const runs = new Map<string, ModelRecord[]>();
  for (const variant of variants) {
    variant.apply();
    rows.push(...runBench(variant.label, repeats));
    if (options.config && variant.wholeRuns) {
      const saved = Object.fromEntries(Object.keys(variant.env).map((key) => [key, process.env[key]]));
      Object.assign(process.env, variant.env);
      for (const workers of [...new Set([defaultWorkers(), 1])]) {
        process.stderr.write(`timing ${options.config} on ${variant.label}, ${workers} worker(s)...\n`);
        const { row, records } = await timeConfig(options.config, variant.label, workers);
        rows.push(row);
        if (!runs.has(variant.label)) runs.set(variant.label, records);
      }
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }
  setBlasMatMul(true);
  blas?.setThreads(threads);
  const processes = options.processes
    ? processTimings({ config: options.config, bigCell: options.bigCell, repeats: Math.min(repeats, 5) }, (line) => process.stderr.write(`${line}\n`))
    : [];
  rows.push(...processes.map((row) => ({ op: row.op, backend: backend.label, ms: row.ms, gflops: NaN, estimateMs: row.estimateMs })));
  printSideBySide(rows);
  for (const row of processes.filter((r) => Number.isFinite(r.estimateMs))) {
    console.log(`${row.op}: ${(row.ms / 1000).toFixed(1)} s, --dry-run estimated ${(row.estimateMs / 1000).toFixed(0)} s (${(((row.estimateMs - row.ms) / row.ms) * 100).toFixed(0)} %)`);
  }
  const file = join(resolve(options.out), 'bench.csv');
  removeStaleTemporaries(resolve(options.out));
  writeFileAtomic(file, stringify(rows.map((row) => ({ estimateMs: NaN, ...row })), { header: true, columns: ['op', 'backend', 'ms', 'gflops', 'estimateMs'] }));
  console.log(`wrote ${file}${blas ? `; BLAS: ${blas.info.library}, ${blas.info.config}` : ''}`);
  if (runs.size === 2) writeAgreement([...runs], options.out);
  if (!blas && backend.blasSkipped.length) console.log(`no BLAS: ${backend.blasSkipped.join('; ')}`);
}

function printSideBySide(rows: BenchRow[]): void {
  const labels = [...new Set(rows.map((r) => r.backend))];
  const ops = [...new Set(rows.map((r) => r.op))];
  const cell = (row: BenchRow | undefined) =>
    row ? `${row.ms.toFixed(1).padStart(9)} ms ${Number.isFinite(row.gflops) ? `${row.gflops.toFixed(1).padStart(6)} GF/s` : ''.padStart(11)}` : '';
  const width = Math.max(24, ...labels.map((l) => l.length));
  console.log(['op'.padEnd(62), ...labels.map((l) => l.padStart(width))].join(' '));
  for (const op of ops) {
    console.log([op.padEnd(62), ...labels.map((l) => cell(rows.find((r) => r.op === op && r.backend === l)).padStart(width))].join(' '));
  }
}

/** Largest relative difference per record field between the two kernels' whole runs. */
function writeAgreement([[labelA, a], [labelB, b]]: Array<[string, ModelRecord[]]>, out: string): void {
  const fields = compareRecords(a, b);
  const file = join(resolve(out), 'agreement.csv');
  writeFileAtomic(file, stringify(fields, { header: true, columns: ['field', 'maxRelative', 'where'] }));
  console.log(`\nagreement of the whole runs, ${labelA} vs ${labelB} (largest relative difference over all cells):`);
  for (const field of fields.slice(0, 8)) console.log(`  ${field.field.padEnd(18)} ${field.maxRelative.toExponential(1).padStart(8)}  ${field.where}`);
  const exact = fields.filter((f) => f.maxRelative === 0).map((f) => f.field);
  console.log(`  identical: ${exact.join(', ')}\nwrote ${file}`);
}
