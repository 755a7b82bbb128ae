import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownToHtml, inlineHtml } from '../src/output/markdownHtml.ts';
import { reportHtml } from '../src/output/report.ts';
import { errorVsMemoriesSpec } from '../src/output/plot.ts';
import type { SummaryRow } from '../src/output/tables.ts';

test('markdown → HTML: headings, aligned tables with escaped bars, lists, code, details, images', () => {
  const md = [
    '# Title with `code` and <b>',
    '',
    'A paragraph',
    'on two lines with **bold**.',
    '',
    '| model | M = 10 | error |',
    '| --- | ---: | --- |',
    '| a \\| b | 1.50 | x < y |',
    '',
    '- uhop 0.1, `uhop run configs/mnist.json`',
    '- second',
    '',
    '![error vs M](error-vs-M.png)',
    '',
    '<details><summary>config.resolved.json</summary>',
    '',
    '```json',
    '{ "a": "</script>" }',
    '```',
    '',
    '</details>',
  ].join('\n');
  const html = markdownToHtml(md, (src, caption) => (src === 'error-vs-M.png' ? `<div id="fig">${caption}</div>` : null));
  assert.match(html, /<h1 id="title-with-code-and-b">Title with <code>code<\/code> and &lt;b&gt;<\/h1>/);
  assert.match(html, /<p>A paragraph on two lines with <strong>bold<\/strong>\.<\/p>/);
  assert.match(html, /<th>model<\/th><th class="num">M = 10<\/th><th>error<\/th>/);
  assert.match(html, /<td>a \| b<\/td><td class="num">1\.50<\/td><td>x &lt; y<\/td>/);
  assert.match(html, /<ul>\n<li>uhop 0\.1, <code>uhop run configs\/mnist\.json<\/code><\/li>\n<li>second<\/li>\n<\/ul>/);
  assert.match(html, /<div id="fig">error vs M<\/div>/);
  assert.match(html, /<details><summary>config\.resolved\.json<\/summary>/);
  assert.match(html, /<pre><code class="language-json">\{ &quot;a&quot;: &quot;&lt;\/script&gt;&quot; \}<\/code><\/pre>/);
  assert.equal(inlineHtml('[cells](cells.csv) `a*b*` **x**'), '<a href="cells.csv">cells</a> <code>a*b*</code> <strong>x</strong>');
});

function row(model: string, M: number, mean: number): SummaryRow {
  return { model, modelName: model, label: model, featureDim: 784, M, n: 2, mean, std: 1, median: mean, min: mean, max: mean, ciLow: mean, ciHigh: mean, exactRate: 1, successRate: 1, logitScale: 1, metastableShare: 0, supportHistogram: [] };
}

test('report.html: self-contained (inline vega + vega-lite, no URL to load), every figure spec embedded', () => {
  const spec = errorVsMemoriesSpec([row('a', 10, 1), row('a', 20, 2), row('b', 10, 3)], 'a </script> title');
  const md = '# run\n\nintro\n\n## table\n\n| m | v |\n| --- | ---: |\n| a | 1 |\n\n![retrieval error vs M](error-vs-M.png)\n';
  const html = reportHtml('uhop: run', md, [
    { name: 'error-vs-M', caption: 'retrieval error vs M', spec },
    { name: 'sweep', caption: 'a figure report.md does not show', spec },
  ]);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  // the libraries are inlined, not linked
  assert.ok(html.includes('vegaLite') && html.includes('"6.4.3"'), 'vega-lite build inlined');
  assert.doesNotMatch(html, /<script[^>]+src=/i);
  assert.doesNotMatch(html, /<link\b/i);
  assert.doesNotMatch(html, /<(img|iframe|source|video|audio)[^>]+src=["']?https?:/i);
  assert.doesNotMatch(html, /url\(\s*['"]?https?:/i);
  // every figure in place, once; figures before the first section
  const specs = [...html.matchAll(/<script type="application\/json" class="vega-spec" data-name="([^"]+)">([^<]*)<\/script>/g)];
  assert.deepEqual(specs.map((m) => m[1]), ['error-vs-M', 'sweep']);
  const embedded = JSON.parse(specs[0][2]);
  assert.equal(embedded.title, 'a </script> title', 'the spec survives the trip through the page');
  assert.equal(embedded.$schema, undefined);
  assert.ok(html.indexOf('id="figure-error-vs-M"') < html.indexOf('<h2 id="table"'));
  assert.doesNotMatch(html, /<img/);
  // a script element can only end where it was meant to: the early one, vega, vega-lite, page.js and one per figure
  assert.equal(html.match(/<\/script>/gi)?.length, 4 + specs.length);
  assert.doesNotMatch(html, /<!--/);
});
