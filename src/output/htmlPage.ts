/**
 * Self-contained HTML pages (report.html, compare.html): the vega and vega-lite builds inlined from
 * node_modules, every figure as a vega-lite spec rendered in the page by src/output/page.js, so the
 * file opens from disk in any browser with no network. A Content-Security-Policy forbids the page
 * any request at all.
 */
import { readFileSync } from 'node:fs';
import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml, inlineHtml } from './markdownHtml.ts';
import { vegaBuildFiles } from './vegaFiles.ts';

export interface PageFigure {
  /** File stem (error-vs-M); the element id is figure-<name>. */
  name: string;
  caption: string;
  spec: TopLevelSpec;
}

let scripts: string | null = null;

/** vega, vega-lite (UMD builds: globals `vega`, `vegaLite`) and the page's own script, read once. */
function inlineScripts(): string {
  if (scripts === null) {
    const { vega, vegaLite } = vegaBuildFiles();
    const page = new URL('./page.js', import.meta.url);
    scripts = [vega, vegaLite, page].map((file) => `<script>${scriptText(readFileSync(file, 'utf8'))}</script>`).join('\n');
  }
  return scripts;
}

/** Script text safe inside <script>: `</script` (or `<!--`) in it would end or confuse the element. */
function scriptText(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON safe inside <script type="application/json">. */
export function jsonScript(value: unknown, attributes = ''): string {
  const json = JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return `<script type="application/json"${attributes}>${json}</script>`;
}

/** The placeholder where page.js renders one figure, with its spec and axis controls. */
export function figureHtml(figure: PageFigure): string {
  // the $schema URL is never fetched, but the page is simpler to check with no URL in it at all
  const { $schema: _schema, ...spec } = figure.spec as { $schema?: string };
  return [
    `<figure class="vega-figure" id="figure-${escapeHtml(figure.name)}">`,
    `<div class="controls"></div>`,
    `<div class="view" role="img" aria-label="${escapeHtml(figure.caption)}"></div>`,
    jsonScript(spec, ` class="vega-spec" data-name="${escapeHtml(figure.name)}"`),
    `<figcaption>${inlineHtml(figure.caption)}</figcaption>`,
    `</figure>`,
  ].join('\n');
}

/** Runs first (in <head>): the page's state and error listeners, before anything can fail. */
const EARLY_SCRIPT = `
window.uhopPage = { figures: 0, rendered: 0, errors: [], done: false, onError: null };
(function () {
  function record(message) { window.uhopPage.errors.push(String(message)); if (window.uhopPage.onError) window.uhopPage.onError(); }
  window.addEventListener('error', function (e) { record(e.message || String(e.error)); });
  window.addEventListener('unhandledrejection', function (e) { record((e.reason && e.reason.message) || String(e.reason)); });
  document.addEventListener('securitypolicyviolation', function (e) { record('blocked by the page policy: ' + e.blockedURI + ' (' + e.violatedDirective + ')'); });
})();
`;

const STYLE = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 4rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; } h3 { font-size: 1.05rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: 13px; display: block; overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid #ddd; padding: 2px 6px; white-space: nowrap; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
thead th { background: #f3f3f3; cursor: pointer; user-select: none; position: sticky; top: 0; }
thead th[aria-sort="ascending"]::after { content: " ▲"; } thead th[aria-sort="descending"]::after { content: " ▼"; }
tbody tr:nth-child(even) { background: #fafafa; } tbody tr:hover { background: #eef4ff; }
pre { background: #f6f6f6; padding: .6rem; overflow: auto; font-size: 12px; } code { font-size: 92%; }
figure.vega-figure { margin: 1rem 0 2rem; } figcaption { color: #555; font-size: 13px; }
.controls { font-size: 13px; margin-bottom: .3rem; color: #444; } .controls label { margin-right: 1rem; }
.hint { color: #666; font-size: 13px; }
#uhop-tooltip { position: fixed; pointer-events: none; background: rgba(255,255,255,.97); border: 1px solid #999; border-radius: 3px; padding: 4px 6px; font-size: 12px; box-shadow: 0 1px 4px rgba(0,0,0,.2); display: none; z-index: 10; }
#uhop-tooltip td { border: 0; padding: 0 4px; } #uhop-tooltip td:first-child { color: #666; }
#uhop-errors { color: #a00; white-space: pre-wrap; }
`;

/** A whole page: `body` is trusted HTML (built from uhop's own Markdown and figureHtml). */
export function htmlPage(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // nothing may be fetched: scripts and styles are inline; vega compiles expressions with Function
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<script>${EARLY_SCRIPT}</script>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<p class="hint">Figures: hover a mark for its values, click a legend entry to show only that series (shift-click for several, click the background to show all), switch an axis between linear and log above each figure. Tables: click a column header to sort.</p>',
    body,
    '<pre id="uhop-errors" hidden></pre>',
    '<div id="uhop-tooltip"></div>',
    inlineScripts(),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
