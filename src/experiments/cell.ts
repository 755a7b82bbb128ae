/**
 * One cell = (config, M, seed) → one record per model. Every model of a cell sees the same
 * memories, the same corrupted queries and (for U-Hop models) the same trained Φ: common random
 * numbers, so model differences are not sampling noise.
 */
import { tf } from '../backend/tf.ts';
import type { ResolvedConfig } from '../config/parity.ts';
import { gatherRows, type Pool } from '../data/pool.ts';
import { selectMemoryIndices } from '../data/memorySet.ts';
import { corrupt } from '../data/corruptions.ts';
import { rngFor } from '../random/prng.ts';
import { pixelSpace, type FeatureSpace } from '../hopfield/featureSpace.ts';
import { nearestMemories, pairGeometry, rowNorms } from '../metrics/diagnostics.ts';
import { runStageOne, type StageI } from './stageOne.ts';
import { chooseQueries } from './queries.ts';
import { blockInputs, evaluateModels, type CellContext } from './evaluateModel.ts';
import { cellShare, localRunner, newToken, type BlockRunner, type CellShare, type SpaceId } from './blockRunner.ts';
import { CellFailure, type CellKey, type CellResult } from './records.ts';
import { noPlugins, PluginError, type PluginSet } from '../plugins/contract.ts';

export { CellFailure } from './records.ts';
export type { CellKey, CellResult, ModelRecord, ModelTiming, QueryRow, StageOneRow, TraceRow } from './records.ts';

/**
 * `queryPool`: the test split, when queries.from is "test"; `runner`: where the retrieval blocks
 * run (here, or on the other workers too); `plugins`: the config's loaded plugin modules.
 */
export async function runCell(
  config: ResolvedConfig,
  pool: Pool,
  cell: CellKey,
  backend: string,
  queryPool?: Pool,
  runner: BlockRunner = localRunner,
  plugins: PluginSet = noPlugins,
): Promise<CellResult> {
  const dim = pool.dim;
  const balanced = 'balanced' in config.dataset && config.dataset.balanced;
  const indices = selectMemoryIndices(pool, cell.memories, rngFor(cell.seed, 'memory-set'), config.dataset.indices, balanced);
  const memoryRows = gatherRows(pool, indices);
  const chosen = chooseQueries(config, pool, queryPool, indices, memoryRows, cell);
  const queryCount = chosen.rows.length / dim;
  const queryRows = corruptQueries(chosen.rows, dim, config, cell, plugins);
  const memories = tf.tensor2d(memoryRows, [cell.memories, dim]);
  const queries = tf.tensor2d(queryRows, [queryCount, dim]);
  const labels = Int32Array.from(indices, (k) => pool.labels[k]);
  const pixels = pixelSpace(memories);
  const facts = new Map<FeatureSpace, ReturnType<CellContext['spaceFacts']>>();
  // set by Stage I, which evaluateModels runs once the pixel models' blocks are out
  let stage = null as StageI | null;
  let share: CellShare | null = null;
  try {
    let nearestValues: Int32Array | null = null;
    const nearest = () => (nearestValues ??= nearestMemories(queries, memories));
    // Δ_min of the memories (an M × M product): made on first need, or while Stage I's blocks are out
    let raw: { deltaMin: number; meanCosine: number } | null = null;
    const rawGeometry = () => (raw ??= pairGeometry(memories));
    const context: CellContext = {
      config,
      cell,
      dim,
      backend,
      memories,
      memoryValues: memoryRows,
      queries,
      queryValues: queryRows,
      // a query not built from a memory is aimed at its nearest memory
      targets: chosen.targets ?? nearest(),
      nearest,
      memoryLabels: new Set(labels).size > 1 ? labels : null,
      rawGeometry,
      memoryIndices: indices,
      queryIndices: chosen.poolIndices,
      pixels,
      stage: null,
      plugins,
      spaceFacts: (space) => {
        // the pixel space's memories are the memories: their geometry is the raw one, not computed twice
        if (!facts.has(space)) facts.set(space, { geometry: space === pixels ? rawGeometry() : pairGeometry(space.memories.rows), norms: rowNorms(space.memories.rows) });
        return facts.get(space)!;
      },
      share: () => {
        const spaces: SpaceId[] = ['pixels', ...(stage ? (['learned'] as const) : [])];
        if (stage && config.models.some((m) => m.featureMap && m.control === 'norm-matched')) spaces.push('norm-matched');
        // a share made before Stage I (for the pixel models' blocks) has no Φ: a new one replaces it
        if (share && spaces.some((id) => !share!.spaces[id])) share = null;
        share ??= cellShare(newToken(), (id) => blockInputs(context, id), spaces, config.plugins);
        return share;
      },
    };
    const trainStage = config.models.some((model) => model.featureMap)
      ? () => {
          stage = context.stage = runStageOne(config, memories, dim, cell);
        }
      : undefined;
    const result = await evaluateModels(context, runner, trainStage);
    if (stage) result.stageOne = stage.curve;
    return result;
  } finally {
    stage?.dispose();
    pixels.dispose();
    memories.dispose();
    queries.dispose();
  }
}

function corruptQueries(rows: Float32Array, dim: number, config: ResolvedConfig, cell: CellKey, plugins: PluginSet): Float32Array {
  try {
    return corrupt(rows, dim, config.corruption, rngFor(cell.seed, cell.memories, 'query'), plugins);
  } catch (error) {
    if (error instanceof PluginError) throw new CellFailure(`queries: ${error.message}`);
    throw error;
  }
}
