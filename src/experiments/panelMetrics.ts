/**
 * The measures of a 2-D figure's panels per kind, in table order (the figure recipes' claims name
 * these). Apart from landscape.ts so that checking a recipe does not load tfjs.
 */
export const panelMetrics = {
  landscape: ['deltaMin', 'loss', 'fixedPointMove', 'gridMin', 'gridMax', 'gridMean', 'memoryEnergy', 'memoryDepth', 'localMinima'],
  basins: ['deltaMin', 'loss', 'fixedPointMove', 'convergedShare', 'basins'],
} as const;

export type PanelMetric = (typeof panelMetrics)[keyof typeof panelMetrics][number];
