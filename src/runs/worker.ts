/**
 * A worker thread of the sweep: its own tfjs backend. It runs cells, and blocks of big cells —
 * its own and other workers' — whenever the main thread hands it one.
 */
import { parentPort } from 'node:worker_threads';
import { adoptPools } from '../data/registry.ts';
import { initBackend } from '../backend/select.ts';
import { localRunner, oneModelEach, RebuiltCell, type BlockRunner, type CellBlocks } from '../experiments/blockRunner.ts';
import { retrieveBlock, type BlockOutcome } from '../experiments/retrieveInBlocks.ts';
import { runCellTask } from './runOneCell.ts';
import { shouldShare } from './parallel.ts';
import { loadPlugins } from '../plugins/load.ts';
import { UserError } from '../errors.ts';
import { CellFailure } from '../experiments/records.ts';
import type { SharedJob, ToWorker, WorkerMessage } from './workerProtocol.ts';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const backend = await initBackend();
const send = (message: WorkerMessage) => port.postMessage(message);

/** Cells this worker is running (their blocks use its own tensors) and cells rebuilt for other workers' blocks. */
const own = new Map<string, CellBlocks>();
const rebuilt = new Map<string, RebuiltCell>();
const waiting = new Map<number, { resolve(outcomes: BlockOutcome[][]): void; reject(error: Error): void }>();
let requests = 0;

/** Hands a big cell's blocks to the pool (this worker takes its share of them while it waits). */
const poolRunner: BlockRunner = {
  run: async (grouped, cell) => {
    const { jobs, regroup } = oneModelEach(grouped);
    if (!shouldShare(jobs)) return localRunner.run(grouped, cell);
    const share = cell.share();
    own.set(share.token, cell);
    const request = ++requests;
    const outcomes = new Promise<BlockOutcome[][]>((resolve, reject) => waiting.set(request, { resolve, reject })).then(regroup);
    send({ kind: 'jobs', request, jobs: jobs.map((job) => ({ share, job })) });
    // a cell may go on computing (Stage I while its pixel models' blocks are out): setImmediate runs
    // only once this thread is back in its event loop, free to take blocks
    setImmediate(() => send({ kind: 'idle' }));
    return outcomes;
  },
};

async function runJob({ share, job }: SharedJob): Promise<BlockOutcome[]> {
  if (process.env.UHOP_DEBUG_JOBS) console.error(`job ${share.token} ${job.spaceId} ${job.block.start}+${job.block.size} own=${own.has(share.token)}`);
  let inputs = own.get(share.token)?.inputs(job.spaceId);
  if (!inputs) {
    let cell = rebuilt.get(share.token);
    // the same plugin files as the cell's own worker (checked by their sha256)
    if (!cell) rebuilt.set(share.token, (cell = new RebuiltCell(share, await loadPlugins(share.plugins))));
    inputs = cell.inputs(job.spaceId);
  }
  return retrieveBlock(inputs, job.models, job.block);
}

port.on('message', async (message: ToWorker) => {
  switch (message.kind) {
    case 'cell': {
      // the task carries the resolved config: the worker loads the same plugin files (checked by their sha256)
      try {
        const plugins = await loadPlugins(message.task.config.plugins);
        send({ kind: 'outcome', outcome: await runCellTask(message.task, backend.label, poolRunner, plugins) });
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        send({ kind: 'outcome', outcome: error instanceof UserError ? { kind: 'user-error', error: text } : { kind: 'failed', error: text } });
      }
      return;
    }
    case 'job': {
      let outcome: BlockOutcome[] | { error: string };
      try {
        outcome = await runJob(message.job);
      } catch (error) {
        // a CellFailure (a plugin's bad row, say) keeps its message; anything else its stack
        outcome = { error: error instanceof Error ? (error.name === 'CellFailure' ? error.message : (error.stack ?? error.message)) : String(error) };
      }
      send({ kind: 'job-result', id: message.id, outcome });
      return;
    }
    case 'jobs-done': {
      const pending = waiting.get(message.request)!;
      waiting.delete(message.request);
      if (message.error) pending.reject(new CellFailure(message.error));
      else pending.resolve(message.outcomes);
      return;
    }
    case 'pools':
      adoptPools(message.pools);
      return;
    case 'release':
      own.delete(message.token);
      rebuilt.get(message.token)?.dispose();
      rebuilt.delete(message.token);
  }
});
send({ kind: 'ready', backend });
