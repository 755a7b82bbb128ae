/**
 * uhop as a library (`import … from 'uhop'`): configs and whole runs as `uhop run` does them, and the
 * pieces of a run on plain arrays — similarities, separations, retrieval, the Stage I trainer, the
 * metrics and the spherical-code bounds. Everything not exported here is internal.
 *
 * Importing starts the tfjs backend a run would use (UHOP_BACKEND, else tfjs-node → wasm (+ BLAS) →
 * cpu), so the functions below are synchronous and give the numbers of a run.
 */
import { warnIfStale } from '../bin/dist.mjs';
import { initBackend } from './backend/select.ts';

warnIfStale(import.meta.url);
await initBackend();

export { UserError } from './errors.ts';
export { loadConfig, runExperiment } from './api/experiment.ts';
export type { ExperimentResult, ProgressEvent, RunExperimentOptions } from './api/experiment.ts';
export type { ConfigInput } from './config/schema.ts';
export type { ResolvedConfig } from './config/parity.ts';
export type { CellKey, FailedCell, ModelRecord } from './experiments/records.ts';
export type { Manifest } from './output/manifest.ts';

export { separations, similarities } from './api/registries.ts';
export type { Separation, SeparationName, SeparationOptions, Similarity, SimilarityName, SimilarityOptions, MemoryFeatures } from './api/registries.ts';
export { retrieve } from './api/retrieve.ts';
export type { FeatureMap, Retrieval, RetrieveOptions } from './api/retrieve.ts';
export { trainFeatureMap } from './api/featureMap.ts';
export type { TrainFeatureMapOptions, TrainedFeatureMap } from './api/featureMap.ts';
export { deltaMin, metastableHistogram, retrievalError, separationLowerBound, separationUpperBound, successRate, tammesSeparation } from './api/metrics.ts';
export type { Rows } from './api/arrays.ts';
