/** A worker thread of the sweep: its own tfjs backend, one cell at a time. */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../backend/select.ts';
import { runCellTask } from './runOneCell.ts';
import { loadPlugins } from '../plugins/load.ts';
import { UserError } from '../errors.ts';
import type { CellTask, WorkerMessage } from './workerProtocol.ts';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const backend = await initBackend();

const send = (message: WorkerMessage) => port.postMessage(message);
// the task carries the resolved config: the worker loads the same plugin files (checked by their sha256)
port.on('message', async (task: CellTask) => {
  try {
    const plugins = await loadPlugins(task.config.plugins);
    send({ kind: 'outcome', outcome: runCellTask(task, backend.label, plugins) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    send({ kind: 'outcome', outcome: error instanceof UserError ? { kind: 'user-error', error: message } : { kind: 'failed', error: message } });
  }
});
send({ kind: 'ready', backend });
