import { initBackend } from '../src/backend/select.ts';
import { loadConfig } from '../src/config/load.ts';
import { runCellTask } from '../src/experiments/runOneCell.ts';
const b = await initBackend();
const config = loadConfig('configs/mnist.json');
const t0 = performance.now();
for (const memories of [10, 20, 50, 100, 200, 500]) for (let seed = 1; seed <= 10; seed++) {
  runCellTask({ config, cell: { memories, seed }, dataDir: undefined } as any, b.label);
}
console.log('all cells', (performance.now() - t0).toFixed(0));
