/**
 * Figures drawn from their vega-lite specs: SVG by vega's headless View (renderer "none"), PNG by
 * resvg. No cairo, no browser.
 */
import type { TopLevelSpec } from 'vega-lite';
import { Resvg, renderAsync } from '@resvg/resvg-js';
import { vega, vegaLite } from './vegaBundles.ts';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const PNG_OPTIONS = { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } } as const;

export function svgToPng(svg: string): Uint8Array {
  return new Resvg(svg, PNG_OPTIONS).render().asPng();
}

/**
 * The same PNG as svgToPng, rendered on libuv's thread pool: meanwhile this thread goes on (the
 * next figure's SVG), so the figures' PNGs do not take their time one after another.
 */
export async function svgToPngInBackground(svg: string): Promise<Uint8Array> {
  return (await renderAsync(svg, PNG_OPTIONS)).asPng();
}

export interface RenderedFigure {
  svg: string;
  png: Uint8Array;
}

/** Draws a figure, here or in another thread (figureThread.ts). */
export type FigureRenderer = (spec: TopLevelSpec) => Promise<RenderedFigure>;

export const renderFigure: FigureRenderer = async (spec) => {
  const svg = await renderSvg(spec);
  return { svg, png: await svgToPngInBackground(svg) };
};
