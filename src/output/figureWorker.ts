/** The figure thread's side (figureThread.ts): draws each spec it is sent, SVG and PNG. */
import { parentPort } from 'node:worker_threads';
import type { FigureReply, FigureRequest } from './figureThread.ts';
import { renderFigure } from './render.ts';

const port = parentPort!;
port.on('message', (request: FigureRequest | 'close') => {
  // closing the port lets the thread end by itself: terminate() on a thread holding resvg's native
  // addon could crash the process as it exited
  if (request === 'close') return port.close();
  renderFigure(request.spec).then(
    ({ svg, png }) => port.postMessage({ id: request.id, svg, png } satisfies FigureReply, [png.buffer as ArrayBuffer]),
    (error: unknown) => port.postMessage({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FigureReply),
  );
});
