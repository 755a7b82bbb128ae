/**
 * Running a cell's retrieval blocks: here, one after the other, or handed to other worker threads
 * (src/runs/worker.ts) for a big cell. A block's numbers do not depend on where it runs: a thread
 * that did not build the cell rebuilds the same tensors from the same float32 values (memories,
 * queries and Φ's weights in SharedArrayBuffers, so nothing is copied per block).
 */
import { randomUUID } from 'node:crypto';
import { tf } from '../backend/tf.ts';
import { shared } from '../backend/sharedMemory.ts';
import { linearSpace, pixelSpace, type FeatureSpace } from '../hopfield/featureSpace.ts';
import { retrieveBlock, type BlockInputs, type BlockOutcome, type BlockSettings } from './retrieveInBlocks.ts';
import type { PluginFile, PluginSet } from '../plugins/contract.ts';

/** The spaces a model of a cell can score in. */
export type SpaceId = 'pixels' | 'learned' | 'norm-matched';

export interface BlockJob {
  spaceId: SpaceId;
  /** The models of the job: one, or several that share their first step's scores (retrieveBlock). */
  models: BlockSettings[];
  block: { start: number; size: number };
  /** Multiply-adds ×2 of the block, to decide whether handing it out pays. */
  flops: number;
}

/** Runs jobs (in any order, anywhere) and returns their outcomes in job order (per job, one per model). */
export interface BlockRunner {
  run(jobs: BlockJob[], cell: CellBlocks): Promise<BlockOutcome[][]>;
}

/** A cell's side of its blocks: its own tensors, and the shareable form built on first need. */
export interface CellBlocks {
  inputs(spaceId: SpaceId): BlockInputs;
  share(): CellShare;
}

type SpaceShare = { kind: 'pixels' } | { kind: 'linear'; weightsT: Float32Array; featureDim: number; bias: Float32Array | null };

/** What another thread needs to rebuild a cell's block inputs (typed arrays on SharedArrayBuffers). */
export interface CellShare {
  token: string;
  dim: number;
  memories: number;
  memoryValues: Float32Array;
  queryValues: Float32Array;
  targets: Int32Array;
  spaces: Partial<Record<SpaceId, SpaceShare>>;
  /** The config's plugin files: another worker loads the same ones. */
  plugins: PluginFile[] | undefined;
}

/** Runs every job in this thread, in order: what one worker, or a small cell, does. */
export const localRunner: BlockRunner = {
  run: async (jobs, cell) => jobs.map((job) => retrieveBlock(cell.inputs(job.spaceId), job.models, job.block)),
};

/**
 * The jobs split into jobs of one model each, and the way back for their outcomes: jobs handed out
 * to other workers go one model each, so the models that would share their scores still spread
 * over the workers (a big cell has few jobs: one per model where its queries fit one block).
 */
export function oneModelEach(jobs: BlockJob[]): { jobs: BlockJob[]; regroup(outcomes: BlockOutcome[][]): BlockOutcome[][] } {
  const split = jobs.flatMap((job) => job.models.map((settings) => ({ ...job, models: [settings], flops: job.flops / job.models.length })));
  return {
    jobs: split,
    regroup: (outcomes) => {
      let next = 0;
      return jobs.map((job) => job.models.map(() => outcomes[next++][0]));
    },
  };
}

/** A name for a cell's shared inputs, unique across the worker threads of a run. */
export const newToken = () => randomUUID();

function spaceShare(space: FeatureSpace): SpaceShare {
  if (!space.linear) return { kind: 'pixels' };
  const { weightsT, bias } = space.linear;
  return {
    kind: 'linear',
    weightsT: shared(weightsT.dataSync() as Float32Array),
    featureDim: weightsT.shape[1],
    bias: bias ? shared(bias.dataSync() as Float32Array) : null,
  };
}

/** The shareable form of a cell's inputs, for the spaces in `spaces`. */
export function cellShare(token: string, inputs: (id: SpaceId) => BlockInputs, spaces: SpaceId[], plugins: PluginFile[] | undefined): CellShare {
  const base = inputs('pixels');
  return {
    token,
    dim: base.dim,
    memories: base.memories.shape[0],
    memoryValues: shared(base.memoryValues),
    queryValues: shared(base.queryValues),
    targets: shared(base.targets),
    spaces: Object.fromEntries(spaces.map((id) => [id, spaceShare(inputs(id).space)])),
    plugins,
  };
}

/** Block inputs rebuilt from a share, in another thread: the same tensors from the same values. */
export class RebuiltCell {
  private readonly memories: tf.Tensor2D;
  private readonly spaces = new Map<SpaceId, FeatureSpace>();

  constructor(
    private readonly share: CellShare,
    private readonly plugins: PluginSet,
  ) {
    this.memories = tf.tensor2d(share.memoryValues, [share.memories, share.dim]);
  }

  inputs(spaceId: SpaceId): BlockInputs {
    let space = this.spaces.get(spaceId);
    if (!space) {
      const described = this.share.spaces[spaceId];
      if (!described) throw new Error(`cell ${this.share.token} has no space "${spaceId}"`);
      space = described.kind === 'pixels' ? pixelSpace(this.memories) : this.linear(described);
      this.spaces.set(spaceId, space);
    }
    const { memoryValues, queryValues, targets, dim } = this.share;
    return { memories: this.memories, memoryValues, space, dim, queryValues, targets, plugins: this.plugins };
  }

  private linear(described: Extract<SpaceShare, { kind: 'linear' }>): FeatureSpace {
    const weightsT = tf.tensor2d(described.weightsT, [this.share.dim, described.featureDim]);
    const bias = described.bias ? tf.tensor2d(described.bias, [1, described.featureDim]) : undefined;
    const space = linearSpace(this.memories, weightsT, bias);
    tf.dispose([weightsT, ...(bias ? [bias] : [])]);
    return space;
  }

  dispose(): void {
    for (const space of this.spaces.values()) space.dispose();
    this.memories.dispose();
  }
}
