/**
 * A thread that draws a run's figures while the main thread writes its tables. Started as the
 * sweep begins, it loads vega and resvg meanwhile; after the sweep, the main thread sends it the
 * specs and makes the tables, and the figures (0.5–0.6 s of vega and resvg for configs/mnist.json)
 * are no longer on the run's path after its last cell. Same code as in-thread (render.ts), same files.
 */
import { Worker } from 'node:worker_threads';
import type { TopLevelSpec } from 'vega-lite';
import type { FigureRenderer, RenderedFigure } from './render.ts';

export interface FigureRequest {
  id: number;
  spec: TopLevelSpec;
}

/** A figure drawn, or why not. */
export type FigureReply = { id: number; svg?: string; png?: Uint8Array; error?: string };

export interface FigureThread {
  render: FigureRenderer;
  /** Ends the thread once the figures sent are drawn. */
  close(): Promise<void>;
}

// compiled (dist/) code starts its worker directly; the sources first register tsx in the new thread
const entry = import.meta.url.endsWith('.ts') ? './figureWorkerEntry.mjs' : './figureWorker.js';

/**
 * Also loads resvg's native addon in this thread, to stay loaded until the process exits: the
 * figure thread's end unloads the addons it loaded, and the libuv threads that drew its PNGs then
 * crashed the process as they exited, in the addon's thread-local destructors.
 */
export async function startFigureThread(): Promise<FigureThread> {
  await import('@resvg/resvg-js');
  const worker = new Worker(new URL(entry, import.meta.url));
  const pending = new Map<number, { resolve: (figure: RenderedFigure) => void; reject: (error: Error) => void }>();
  let failure: Error | null = null;
  let next = 0;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const { reject } of pending.values()) reject(failure);
    pending.clear();
  };
  worker.on('message', (reply: FigureReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.error !== undefined) waiting.reject(new Error(`figure thread: ${reply.error}`));
    else waiting.resolve({ svg: reply.svg!, png: reply.png! });
  });
  worker.on('error', (error) => failAll(error));
  let exited = false;
  const ended = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      exited = true;
      failAll(new Error(`figure thread ended (exit code ${code})`));
      resolve();
    }),
  );
  return {
    render: (spec) =>
      new Promise<RenderedFigure>((resolve, reject) => {
        if (failure) return reject(failure);
        const id = next++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, spec } satisfies FigureRequest);
      }),
    close: async () => {
      if (!exited) worker.postMessage('close');
      await ended;
    },
  };
}
