#!/usr/bin/env node
// Softmax against sparsemax on one memory set: M random unit vectors in R^d, queries = memories plus
// noise, retrieval in the raw space and in a feature map Φ trained by Stage I (U-Hop). Uses only the
// public API of uhop. Run: node examples/compare-separations.mjs [M] [d]
import {
  deltaMin,
  metastableHistogram,
  retrievalError,
  retrieve,
  separationLowerBound,
  separationUpperBound,
  separations,
  successRate,
  trainFeatureMap,
} from 'uhop';

const M = Number(process.argv[2] ?? 48);
const d = Number(process.argv[3] ?? 16);
const beta = 8;
const noise = 0.35;

// a small seeded generator (mulberry32) and Box–Muller normals: the same memories on every run
let state = 12345;
const uniform = () => {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
const unit = (v) => {
  const length = Math.hypot(...v);
  return v.map((x) => x / length);
};

const memories = Array.from({ length: M }, () => unit(Array.from({ length: d }, normal)));
const queries = memories.map((memory) => memory.map((x) => x + (noise / Math.sqrt(d)) * normal()));

console.log(`sparsemax of (-2, 0, 0.5): ${separations.sparsemax([-2, 0, 0.5]).join(', ')}`);
const geometry = deltaMin(memories);
console.log(
  `${M} random memories on S^${d - 1}: Δ_min = ${geometry.deltaMin.toFixed(4)}; the best code of ${M} points has ` +
    `Δ_min in [${separationLowerBound(M, d).toFixed(4)}, ${separationUpperBound(M, d).toFixed(4)}] (Proposition 3.1 bounds)`,
);

const stageOne = trainFeatureMap(memories, { loss: 'max', epochs: 50, lr: 1 });
const { weightsT } = stageOne.featureMap; // Φ(x) = Wx, as Wᵀ: d rows of D_Φ
const features = memories.map((x) => weightsT[0].map((_, j) => x.reduce((sum, xi, i) => sum + xi * weightsT[i][j], 0)));
console.log(`Stage I: separation loss ${stageOne.losses[0].toFixed(3)} → ${stageOne.lossAfter.toFixed(3)}, Δ_min in Φ-space ${deltaMin(features).deltaMin.toFixed(4)}`);

console.log('\nspace     separation  mean error  success  metastable (‖p‖ > 1)');
for (const [space, featureMap] of [['raw', undefined], ['Φ', stageOne.featureMap]]) {
  for (const separation of ['softmax', 'sparsemax']) {
    const { states, weights } = retrieve(memories, queries, { similarity: 'dot', separation, beta, featureMap });
    const errors = retrievalError(memories, states, { clamp: false });
    const histogram = metastableHistogram(weights, separation === 'softmax' ? 0.01 : 0);
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const metastable = 1 - histogram[0] - histogram[1];
    console.log(
      `${space.padEnd(9)} ${separation.padEnd(11)} ${mean.toFixed(4).padStart(10)}  ${successRate(errors, 0.01).toFixed(2).padStart(7)}  ${metastable.toFixed(2).padStart(10)}`,
    );
  }
}
