#!/usr/bin/env node
// A capacity curve for a custom β schedule: cosine-softmax retrieval of half-erased MNIST digits with
// β growing with the number of memories, β(M) = 10 · ln M, next to a fixed β = 30. One uhop run per
// M (a config has one β per model), each cached in its own folder: a second call only reads the
// results. Uses only uhop's public API. Run: node examples/beta-schedule.mjs [results folder] [M,M,...]
import { join } from 'node:path';
import { loadConfig, runExperiment } from 'uhop';

const out = process.argv[2] ?? 'results/example-beta-schedule';
const memoryCounts = (process.argv[3] ?? '10,20,50,100').split(',').map(Number);
const fixedBeta = 30;
const beta = (M) => 10 * Math.log(M);

const base = {
  name: 'beta-schedule',
  parity: 'textbook', // β is an inverse temperature: p = softmax(β · cos)
  dataset: { name: 'mnist' },
  seeds: 2,
  corruption: { type: 'dropout', p: 0.5 },
  models: [
    { name: 'fixed', similarity: 'cosine', separation: 'softmax', beta: fixedBeta },
    { name: 'schedule', similarity: 'cosine', separation: 'softmax' }, // β set per M below
  ],
};

console.log(`success rate (mean error) over ${base.seeds} seeds\n   M   β = ${fixedBeta}            β(M) = 10 ln M`);
for (const M of memoryCounts) {
  const config = loadConfig(base, { set: [`memories=[${M}]`, `models.1.beta=${beta(M)}`] });
  const { records } = await runExperiment(config, { out: join(out, `M${M}`), workers: 1, quiet: true });
  const column = (model) => {
    const rows = records.filter((record) => record.model === model);
    const mean = (field) => rows.reduce((sum, record) => sum + record[field], 0) / rows.length;
    return `${mean('successRate').toFixed(2)} (${mean('error').toFixed(2)})`;
  };
  console.log(`${String(M).padStart(4)}   ${column('fixed').padEnd(16)} ${column('schedule')}  at β = ${beta(M).toFixed(1)}`);
}
console.log(`\nper-run tables, plots and report.md: ${out}/M<M>/`);
