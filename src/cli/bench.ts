/** `uhop bench`: times the core operations and writes bench.csv. */
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { initBackend } from '../backend/select.ts';
import { runBench } from '../experiments/bench.ts';
import { writeFileAtomic } from '../output/atomic.ts';

export async function benchCommand(options: { out: string; repeats: string }): Promise<void> {
  const backend = await initBackend();
  const rows = runBench(backend.choice, Math.max(1, Number.parseInt(options.repeats, 10) || 5));
  for (const row of rows) {
    console.log(`${row.op.padEnd(66)} ${row.ms.toFixed(1).padStart(8)} ms ${row.gflops.toFixed(1).padStart(7)} GFLOP/s`);
  }
  const file = join(resolve(options.out), 'bench.csv');
  writeFileAtomic(file, stringify(rows, { header: true, columns: ['op', 'backend', 'ms', 'gflops'] }));
  console.log(`wrote ${file} (backend ${backend.choice})`);
}
