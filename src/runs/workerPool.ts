/** A pool of worker threads running cells, each thread with its own tfjs backend. */
import { Worker } from 'node:worker_threads';
import type { BackendInfo } from '../backend/select.ts';
import type { CellOutcome, CellTask, WorkerMessage } from './workerProtocol.ts';

// compiled (dist/) code starts its worker directly; the sources first register tsx in the new thread
const workerEntry = import.meta.url.endsWith('.ts') ? './workerEntry.mjs' : './worker.js';

interface Slot {
  worker: Worker;
  backend: BackendInfo;
}

export class WorkerPool {
  private constructor(private readonly slots: Slot[]) {}

  static async start(count: number): Promise<WorkerPool> {
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

  /** Runs tasks on free workers as they free up; `onDone` sees each outcome with its worker index. */
  async runAll<T extends CellTask>(
    tasks: T[],
    onStart: (task: T, worker: number) => void,
    onDone: (task: T, outcome: CellOutcome, worker: number) => void,
  ): Promise<void> {
    let next = 0;
    const loop = async (index: number) => {
      const slot = this.slots[index];
      while (next < tasks.length) {
        const task = tasks[next++];
        onStart(task, index);
        const outcome = await new Promise<CellOutcome>((resolve, reject) => {
          const onError = (error: Error) => reject(error);
          slot.worker.once('error', onError);
          slot.worker.once('message', (message: WorkerMessage) => {
            slot.worker.off('error', onError);
            if (message.kind === 'outcome') resolve(message.outcome);
          });
          slot.worker.postMessage({ config: task.config, cell: task.cell, dataDir: task.dataDir } satisfies CellTask);
        });
        onDone(task, outcome, index);
      }
    };
    await Promise.all(this.slots.map((_, index) => loop(index)));
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}
