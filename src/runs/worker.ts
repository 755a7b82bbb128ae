/** A worker thread of the sweep: its own tfjs backend, one cell at a time. */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../backend/select.ts';
import { runCellTask } from './runOneCell.ts';
import type { CellTask, WorkerMessage } from './workerProtocol.ts';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const backend = await initBackend();

const send = (message: WorkerMessage) => port.postMessage(message);
port.on('message', (task: CellTask) => send({ kind: 'outcome', outcome: runCellTask(task, backend.label) }));
send({ kind: 'ready', backend });
