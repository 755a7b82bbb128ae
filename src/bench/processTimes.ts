/**
 * Whole-process timings for `uhop bench`: what a user waits for (start-up, a whole `uhop run`, the
 * 5,000-memory cell on 1 and on 2 workers), each beside the `--dry-run` estimate of the same run.
 * Each command runs as its own `node bin/uhop` process, as a user would start it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from 'simple-statistics';

// the same depth under src/ and dist/: the package's own launcher and configs
const launcher = fileURLToPath(new URL('../../bin/uhop', import.meta.url));
const shippedConfig = (name: string) => fileURLToPath(new URL(`../../configs/${name}`, import.meta.url));

export interface ProcessTiming {
  op: string;
  ms: number;
  /** The dry-run's estimate of the same command, in ms (NaN where it makes none). */
  estimateMs: number;
}

/** Wall time of one process, in ms; throws with its stderr when it fails. */
function wall(args: string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited with ${result.status}: ${result.stderr.slice(-2000)}`);
  return ms;
}

/** `uhop run … --dry-run`'s "estimate: N s" line, in ms. */
function dryRunEstimate(runArgs: string[], env: NodeJS.ProcessEnv): number {
  const result = spawnSync(process.execPath, [launcher, 'run', ...runArgs, '--dry-run'], { env, encoding: 'utf8' });
  const match = /estimate: (\d+(?:\.\d+)?) s/.exec(result.stdout);
  return match ? Number(match[1]) * 1000 : NaN;
}

/** A whole `uhop run` from scratch into a throw-away folder, with its estimate. */
function timeRun(op: string, runArgs: string[], env: NodeJS.ProcessEnv): ProcessTiming {
  const out = mkdtempSync(join(tmpdir(), 'uhop-bench-run-'));
  try {
    const args = [...runArgs, '--out', out];
    const estimateMs = dryRunEstimate(args, env);
    return { op, ms: wall([launcher, 'run', ...args], env), estimateMs };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export interface ProcessBenchOptions {
  /** The config of the whole-run rows. */
  config: string | false;
  /** Also the 5,000-memory U-Hop+ cell on 1 and 2 workers (~30 s). */
  bigCell: boolean;
  /** Repetitions of the start-up timings (their median is kept). */
  repeats: number;
}

export function processTimings(options: ProcessBenchOptions, log: (line: string) => void = () => {}): ProcessTiming[] {
  const env = process.env;
  const rows: ProcessTiming[] = [];
  const startUp = (op: string, args: string[]) => {
    log(`timing ${op}...`);
    rows.push({ op, ms: median(Array.from({ length: options.repeats }, () => wall(args, env))), estimateMs: NaN });
  };
  startUp('start-up: node -e 0 (for reference)', ['-e', '0']);
  startUp('start-up: uhop --help', [launcher, '--help']);
  startUp('start-up: uhop validate configs/mnist.json', [launcher, 'validate', shippedConfig('mnist.json')]);
  if (options.config) {
    for (const workers of [2, 1]) {
      log(`timing uhop run ${options.config} on ${workers} worker(s)...`);
      rows.push(timeRun(`process wall: uhop run ${options.config} --workers ${workers}`, [options.config, '--workers', String(workers)], env));
    }
  }
  if (options.bigCell) {
    const cell = [shippedConfig('metastable-mnist.json'), '--set', 'memories=[5000]', '--set', 'seeds=[1]'];
    for (const workers of [1, 2]) {
      log(`timing the 5,000-memory cell on ${workers} worker(s)...`);
      rows.push(timeRun(`process wall: 5,000-memory U-Hop+ cell (metastable-mnist.json, M = 5000, seed 1) --workers ${workers}`, [...cell, '--workers', String(workers)], env));
    }
  }
  return rows;
}
