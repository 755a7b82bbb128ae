/** The cost model: work counts, the schedule it predicts, the worker count it picks, the probe's cache. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/load.ts';
import { resolveConfig } from '../src/config/parity.ts';
import { cellCost, queryCount, runSeconds, OUTPUT_SECONDS, PARALLEL_SLOWDOWN, RUN_SECONDS, WORKER_START_SECONDS } from '../src/runs/cost.ts';
import { chooseWorkers } from '../src/runs/estimate.ts';

const config = (extra: Record<string, unknown>) =>
  resolveConfig(validateConfig({ name: 'cost', memories: [100], models: [{ name: 'a' }, { name: 'b', similarity: 'l1' }], ...extra }, 'test'));

test('queries per cell: M corrupted memories, queries.count, or the whole test split', () => {
  assert.equal(queryCount(config({}), { memories: 100, seed: 1 }), 100);
  assert.equal(queryCount(config({ queries: { from: 'pool', count: 30 } }), { memories: 100, seed: 1 }), 30);
  assert.equal(queryCount(config({ dataset: { name: 'fashion-mnist', split: 'train' }, queries: { from: 'test' } }), { memories: 100, seed: 1 }, 10000), 10000);
});

test('work counts: dot products 2·Q·M·d per step plus the output and the convergence check; l1 counted in terms', () => {
  const cost = cellCost(config({ queries: { from: 'pool', count: 10 }, retrieval: { steps: 2 } }), { memories: 100, seed: 1 }, 784);
  const entries = 10 * 100 * 2;
  // model a: scores 2·entries·d; both: output 2·entries·d and convergence 2·Q·M·d
  assert.equal(cost.retrievalFlops, 2 * entries * 784 + 2 * (2 * entries * 784 + 2 * 10 * 100 * 784));
  assert.equal(cost.l1Terms, entries * 784);
  assert.equal(cost.separationEntries, 2 * entries);
  assert.equal(cost.stageIFlops, 0);
});

test('predicted wall time: largest cells first on the freest worker, each slower when others run; a shared cell splits over all workers', () => {
  const cells = [3, 1, 1, 1].map((s) => ({ serial: s, shareable: 0, shared: false }));
  assert.equal(runSeconds(cells, 1), 6 + RUN_SECONDS);
  assert.equal(runSeconds(cells, 2), 3 * PARALLEL_SLOWDOWN + RUN_SECONDS + WORKER_START_SECONDS);
  const big = [{ serial: 1, shareable: 8, shared: true }];
  // the owner's serial second, then the blocks fill both workers up: (1 + 8) / 2 each
  assert.equal(runSeconds(big, 2), ((1 + 8) / 2) * PARALLEL_SLOWDOWN + RUN_SECONDS + WORKER_START_SECONDS);
  // blocks of a small share only top up the idle worker
  const topUp = [{ serial: 6, shareable: 0, shared: false }, { serial: 1, shareable: 2, shared: true }];
  assert.equal(runSeconds(topUp, 2), 6 * PARALLEL_SLOWDOWN + RUN_SECONDS + WORKER_START_SECONDS);
});

test('workers: as requested but no more than the cells can use; by default only as many as shorten the run', () => {
  const small = [0.1, 0.1].map((s) => ({ serial: s, shareable: 0, shared: false }));
  assert.equal(chooseWorkers(undefined, small, 8), 1, 'a worker start-up costs more than it saves');
  assert.equal(chooseWorkers(4, small, 8), 2, 'two cells keep at most two workers busy');
  const many = Array.from({ length: 8 }, () => ({ serial: 3, shareable: 0, shared: false }));
  assert.equal(chooseWorkers(undefined, many, 4), 4);
  const big = [{ serial: 1, shareable: 30, shared: true }];
  assert.equal(chooseWorkers(undefined, big, 4), 4, 'one big cell uses every core');
  assert.equal(chooseWorkers(3, big, 4), 3);
});

test('the probe measures positive rates once per machine and backend, then reads them from the cache', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'uhop-cache-'));
  process.env.UHOP_CACHE_DIR = folder;
  try {
    const { ratesFor } = await import('../src/runs/calibration.ts');
    const { initBackend } = await import('../src/backend/select.ts');
    const label = (await initBackend()).label;
    const rates = await ratesFor(label);
    for (const [name, value] of Object.entries(rates)) assert.ok(Number.isFinite(value) && value >= 0, `${name}: ${value}`);
    assert.ok(rates.gemm > 0 && rates.softmax > 0);
    const stored = JSON.parse(readFileSync(join(folder, 'calibration.json'), 'utf8'));
    assert.equal(stored.length, 1);
    stored[0].rates.gemm = 42; // what is stored is what is used
    (await import('node:fs')).writeFileSync(join(folder, 'calibration.json'), JSON.stringify(stored));
    assert.equal((await ratesFor(label)).gemm, 42);
    // rates stored by an older probe (a rate it did not measure) are measured again, never used as NaN
    delete stored[0].rates.gemm64;
    (await import('node:fs')).writeFileSync(join(folder, 'calibration.json'), JSON.stringify(stored));
    const again = await ratesFor(label);
    assert.ok(Number.isFinite(again.gemm64) && again.gemm !== 42);
    // before the backend is up, the early worker start reads the rates stored last for this machine,
    // whatever the backend they were stored under; another machine's are not this one's
    const { lastRatesOfMachine } = await import('../src/runs/calibrationCache.ts');
    const fs = await import('node:fs');
    const [entry] = JSON.parse(readFileSync(join(folder, 'calibration.json'), 'utf8'));
    const otherBackend = { ...entry, key: entry.key.replace(` | ${label} | `, ' | node | '), rates: { ...entry.rates, gemm: 7 } };
    fs.writeFileSync(join(folder, 'calibration.json'), JSON.stringify([entry, otherBackend]));
    assert.equal(lastRatesOfMachine()?.gemm, 7);
    const otherMachine = { ...otherBackend, key: otherBackend.key.replace(/ \| \d+ \| v\d/, ' | 999 | v') };
    fs.writeFileSync(join(folder, 'calibration.json'), JSON.stringify([otherMachine]));
    assert.equal(lastRatesOfMachine(), null);
  } finally {
    delete process.env.UHOP_CACHE_DIR;
  }
});

test('the ETA: the predicted wall time before any cell is done, then the cells\' pace × predicted work left, then the outputs', async () => {
  const { etaTracker } = await import('../src/cli/progress.ts');
  const cell = (key: string, serial: number) => ({ key, memories: 10, seed: 1, cached: false, failedBefore: null, estimate: { serial, shareable: 0, shared: false } });
  const plan = { cells: [cell('a', 6), cell('b', 2), cell('c', 2)], data: {}, backend: {} } as never;
  let t = 0;
  const eta = etaTracker(plan, 1, () => t);
  assert.equal(eta.seconds(), 10 + RUN_SECONDS, 'not 0 at the start');
  t = 3000;
  assert.equal(eta.seconds(), 7 + RUN_SECONDS);
  eta.cellDone({ key: 'a' } as never); // the largest cell took 3 s where 6 were predicted: the rest will too
  assert.equal(eta.seconds(), 2 + OUTPUT_SECONDS);
  // with workers, their start-up is not counted as the cells' pace
  t = 0;
  const two = etaTracker(plan, 2, () => t);
  t = (WORKER_START_SECONDS + 3) * 1000;
  two.cellDone({ key: 'a' } as never);
  assert.ok(Math.abs(two.seconds() - (2 + OUTPUT_SECONDS)) < 1e-9);
});
