/** A pool of worker threads running cells, each thread with its own tfjs backend. */
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import type { BackendInfo } from '../backend/select.ts';
import { loadedPools } from '../data/registry.ts';
import type { BlockOutcome } from '../experiments/retrieveInBlocks.ts';
import type { CellOutcome, CellTask, SharedJob, ToWorker, WorkerMessage } from './workerProtocol.ts';

// compiled (dist/) code starts its worker directly; the sources first register tsx in the new thread
const workerEntry = import.meta.url.endsWith('.ts') ? './workerEntry.mjs' : './worker.js';

/**
 * A worker's old space starts at 128 MB, not V8's few MB. A worker's heap (tfjs's code and objects,
 * 20–30 MB) otherwise met its limit after every ~10 MB of promoted objects: about 40 full marks in
 * a configs/mnist.json run, which took 0.6–1.3 s of V8's helper threads' CPU from the workers. Set
 * before the workers start, as V8 reads it when it makes an isolate's heap; the main thread's heap
 * is already made and keeps its size. Peak memory of that run: 631 → 666 MB.
 */
const WORKER_INITIAL_OLD_SPACE_MB = 128;

interface Slot {
  worker: Worker;
  backend: BackendInfo;
}

export class WorkerPool {
  private constructor(private readonly slots: Slot[]) {}

  static async start(count: number): Promise<WorkerPool> {
    setFlagsFromString(`--initial-old-space-size=${WORKER_INITIAL_OLD_SPACE_MB}`);
    const slots = await Promise.all(
      Array.from({ length: count }, async () => {
        const worker = new Worker(new URL(workerEntry, import.meta.url));
        const backend = await new Promise<BackendInfo>((resolve, reject) => {
          worker.once('message', (message: WorkerMessage) =>
            message.kind === 'ready' ? resolve(message.backend) : reject(new Error('worker did not start')),
          );
          worker.once('error', reject);
        });
        return { worker, backend };
      }),
    );
    return new WorkerPool(slots);
  }

  get size(): number {
    return this.slots.length;
  }

  backend(): BackendInfo {
    return this.slots[0].backend;
  }

  /**
   * Hands every worker the data sets this thread has loaded (their pixels on shared memory: no copy,
   * no parsing in the worker). Sent before any cell, so a worker has them when its first cell starts.
   */
  sharePools(): void {
    const pools = loadedPools();
    for (const slot of this.slots) slot.worker.postMessage({ kind: 'pools', pools } satisfies ToWorker);
  }

  /** Keeps the first `count` workers and ends the others (the sweep started more than it needs). */
  async shrink(count: number): Promise<void> {
    const extra = this.slots.splice(Math.max(0, count));
    await Promise.all(extra.map((slot) => slot.worker.terminate()));
  }

  /**
   * Runs tasks on free workers as they free up; `onDone` sees each outcome with its worker index.
   * A worker running a big cell may hand out its blocks: they go first to whichever worker is free,
   * the owner included once it waits for them (it says so with 'idle'), so one big cell uses every worker.
   */
  async runAll<T extends CellTask>(
    tasks: T[],
    onStart: (task: T, worker: number) => void,
    onDone: (task: T, outcome: CellOutcome, worker: number) => void,
  ): Promise<void> {
    const states = this.slots.map(() => ({ cell: null as T | null, waiting: false, requests: 0, inJob: false, tokens: new Set<string>() }));
    const queue: Array<{ request: Request; index: number }> = [];
    interface Request {
      owner: number;
      id: number;
      jobs: SharedJob[];
      outcomes: BlockOutcome[][];
      remaining: number;
      error?: string;
    }
    const inFlight = new Map<number, { request: Request; index: number }>();
    let next = 0;
    let jobIds = 0;
    let finished = 0;
    await new Promise<void>((resolve, reject) => {
      const post = (worker: number, message: ToWorker) => this.slots[worker].worker.postMessage(message);
      const dispatch = () => {
        states.forEach((state, worker) => {
          if (state.inJob) return;
          if (queue.length && (state.cell === null || state.waiting)) {
            const item = queue.shift()!;
            const id = ++jobIds;
            inFlight.set(id, item);
            state.inJob = true;
            post(worker, { kind: 'job', id, job: item.request.jobs[item.index] });
          } else if (state.cell === null && next < tasks.length) {
            const task = tasks[next++];
            state.cell = task;
            onStart(task, worker);
            post(worker, { kind: 'cell', task: { config: task.config, cell: task.cell, dataDir: task.dataDir } });
          }
        });
        if (finished === tasks.length) resolve();
      };
      this.slots.forEach((slot, worker) => {
        const state = states[worker];
        slot.worker.on('error', reject);
        slot.worker.on('message', (message: WorkerMessage) => {
          if (message.kind === 'jobs') {
            const request: Request = { owner: worker, id: message.request, jobs: message.jobs, outcomes: [], remaining: message.jobs.length };
            for (const job of message.jobs) state.tokens.add(job.share.token);
            // first come, first served: a big cell's learned-Φ models' jobs (after Stage I) queue behind
            // its pixel models' remaining ones, so the cell ends on a shorter job. Putting later requests
            // first had made the 5,000-memory cell end on a pixel model's job (0.5 s slower over 7 pairs
            // of runs once Stage I had become shorter); mnist.json and the phase diagram: no difference
            queue.push(...message.jobs.map((_, index) => ({ request, index })));
            state.requests++;
          } else if (message.kind === 'idle') {
            state.waiting = state.requests > 0;
          } else if (message.kind === 'job-result') {
            state.inJob = false;
            const { request, index } = inFlight.get(message.id)!;
            inFlight.delete(message.id);
            if ('error' in message.outcome) request.error ??= message.outcome.error;
            else request.outcomes[index] = message.outcome;
            if (--request.remaining === 0) {
              const owner = states[request.owner];
              if (--owner.requests === 0) owner.waiting = false;
              post(request.owner, { kind: 'jobs-done', request: request.id, outcomes: request.outcomes, error: request.error });
            }
          } else if (message.kind === 'outcome') {
            const task = state.cell!;
            state.cell = null;
            state.waiting = false;
            state.requests = 0;
            for (const token of state.tokens) this.slots.forEach((_, w) => post(w, { kind: 'release', token }));
            state.tokens.clear();
            finished++;
            try {
              onDone(task, message.outcome, worker);
            } catch (error) {
              reject(error);
              return;
            }
          }
          dispatch();
        });
      });
      dispatch();
    }).finally(() => this.slots.forEach((slot) => (slot.worker.removeAllListeners('message'), slot.worker.removeAllListeners('error'))));
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}
