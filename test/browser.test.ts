/**
 * The HTML pages in a real browser: headless Chromium (Debian's `chromium`; UHOP_BROWSER names
 * another) loads report.html and compare.html from disk; every figure must render, with no console
 * error, no exception and no request leaving the page. Skipped, with a message, when no browser is
 * installed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, findBrowser } from './browser.ts';
import { htmlPage } from '../src/output/htmlPage.ts';

const executable = findBrowser();
const skip = executable ? false : 'no Chromium or Chrome found (install Debian\'s chromium, or set UHOP_BROWSER)';
const work = mkdtempSync(join(tmpdir(), 'uhop-browser-test-'));
let browser: Browser;

function uhop(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/uhop', ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

const small = ['--set', 'memories=[6,12]', '--set', 'seeds=2', '--set', 'featureMap.epochs=5', '--quiet'];

before(async () => {
  if (executable) browser = await Browser.launch(executable);
});
after(async () => {
  await browser?.close();
});

interface PageState {
  figures: number;
  rendered: number;
  errors: string[];
  done: boolean;
}

/** Opens a page and returns what it says about itself plus the views per figure. */
async function load(file: string) {
  browser.events.consoleErrors.length = 0;
  browser.events.exceptions.length = 0;
  browser.events.logErrors.length = 0;
  browser.events.requests.length = 0;
  const ready = await browser.open(file, 'window.uhopPage && window.uhopPage.done');
  const state = await browser.evaluate<PageState>('window.uhopPage');
  const views = await browser.evaluate<Array<{ id: string; svg: number; canvas: number }>>(
    `[...document.querySelectorAll('figure.vega-figure')].map((f) => ({ id: f.id, svg: f.querySelectorAll('.view svg').length, canvas: f.querySelectorAll('.view canvas').length }))`,
  );
  return { ready, state, views };
}

function assertClean(label: string) {
  assert.deepEqual(browser.events.consoleErrors, [], `${label}: console errors`);
  assert.deepEqual(browser.events.exceptions, [], `${label}: exceptions`);
  assert.deepEqual(browser.events.logErrors, [], `${label}: log errors`);
  assert.deepEqual(browser.events.requests, [], `${label}: requests leaving the page`);
}

test('the browser check notices requests and blocked loads (it can fail)', { skip }, async () => {
  const leaky = join(work, 'leaky.html');
  writeFileSync(leaky, '<!doctype html><title>leaky</title><img src="http://uhop.invalid/a.png"><script>window.uhopPage = { done: true }</script>');
  await load(leaky);
  assert.ok(browser.events.requests.some((url) => url.startsWith('http://uhop.invalid/')), `request seen: ${browser.events.requests}`);
  const blocked = join(work, 'blocked.html');
  writeFileSync(blocked, htmlPage('blocked', '<img src="http://uhop.invalid/b.png"><figure class="vega-figure" id="figure-x"><div class="controls"></div><div class="view"></div><script type="application/json" class="vega-spec">{"mark":"nonsense"}</script></figure>'));
  const { state } = await load(blocked);
  assert.ok(state.errors.some((e) => /blocked by the page policy: http:\/\/uhop\.invalid/.test(e)), `policy violation recorded: ${state.errors}`);
  assert.ok(state.errors.some((e) => /figure-x/.test(e)), `a spec that does not compile is recorded: ${state.errors}`);
  assert.equal(state.rendered, 0);
});

test('report.html of `uhop run configs/mnist.json` renders every figure, interactively, with no error and no request', { skip }, async (t) => {
  const out = join(work, 'mnist');
  uhop('run', 'configs/mnist.json', '--out', out, ...small);
  const pngs = readdirSync(out).filter((f) => f.endsWith('.png'));
  assert.ok(pngs.length >= 2);
  const { ready, state, views } = await load(join(out, 'report.html'));
  assert.ok(ready, 'the page finished rendering within a minute');
  assert.deepEqual(state.errors, []);
  assert.equal(state.figures, pngs.length, 'one view per figure file');
  assert.equal(state.rendered, pngs.length);
  assert.deepEqual(views.map((v) => v.id).sort(), pngs.map((png) => `figure-${png.replace(/\.png$/, '')}`).sort());
  for (const view of views) assert.equal(view.svg + view.canvas, 1, `${view.id}: one rendered view`);
  assertClean('report.html');

  // hover a marker: the tooltip shows its model, M and mean
  const marker = await browser.evaluate<{ x: number; y: number }>(
    `(() => { const f = document.getElementById('figure-error-vs-M'); f.scrollIntoView(); const r = f.querySelector('.mark-symbol path').getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`,
  );
  await browser.mouse('mouseMoved', marker.x, marker.y);
  await new Promise((r) => setTimeout(r, 300));
  const tip = await browser.evaluate<string>(`document.getElementById('uhop-tooltip').innerText`);
  assert.match(tip, /model\s+MHN softmax/);
  assert.match(tip, /M\s+6/);
  assert.match(tip, /mean\s+[\d.]+/);
  assert.match(tip, /95 % CI low/);

  // click a legend entry: that model alone is selected, the others fade
  const entry = await browser.evaluate<{ x: number; y: number; text: string }>(
    `(() => { const label = [...document.querySelectorAll('#figure-error-vs-M .role-legend-label text')].find((t) => t.textContent === 'U-Hop softmax'); const r = label.getBoundingClientRect(); return { x: r.x + 4, y: r.y + r.height / 2, text: label.textContent }; })()`,
  );
  await browser.mouse('click', entry.x, entry.y);
  await new Promise((r) => setTimeout(r, 300));
  const store = await browser.evaluate<Array<{ values: string[] }>>(`document.getElementById('figure-error-vs-M').uhopView.data('legend_0_store')`);
  assert.deepEqual(store.map((s) => s.values), [['U-Hop softmax']]);
  const faded = await browser.evaluate<string[]>(`[...new Set([...document.querySelectorAll('#figure-error-vs-M .mark-symbol path')].map((p) => p.getAttribute('opacity')))]`);
  assert.ok(faded.length >= 2, `markers of the other models fade: opacities ${faded}`);

  // switch the y axis from symlog to linear and back; log is not offered, as the errors hold zeros
  const logOption = await browser.evaluate<boolean>(`document.querySelector('#figure-error-vs-M select[name=y] option[value=log]').disabled`);
  assert.equal(logOption, true);
  for (const type of ['linear', 'symlog']) {
    const scale = await browser.evaluate<string>(
      `(async () => { const f = document.getElementById('figure-error-vs-M'); const s = f.querySelector('select[name=y]'); s.value = '${type}'; s.dispatchEvent(new Event('change')); await new Promise((r) => setTimeout(r, 700)); return f.uhopView.scale('y').type + ' ' + f.querySelectorAll('.view svg').length; })()`,
    );
    assert.equal(scale, `${type} 1`);
  }
  // x (M > 0) can go linear and back to log
  for (const type of ['linear', 'log']) {
    const scale = await browser.evaluate<string>(
      `(async () => { const f = document.getElementById('figure-error-vs-M'); const s = f.querySelector('select[name=x]'); s.value = '${type}'; s.dispatchEvent(new Event('change')); await new Promise((r) => setTimeout(r, 700)); return f.uhopView.scale('x').type; })()`,
    );
    assert.equal(scale, type);
  }
  // sort the first table by its last column, descending: poly-10 (the largest errors) first
  const order = await browser.evaluate<string[]>(
    `(() => { const t = document.querySelector('table.sortable'); const th = t.tHead.rows[0].cells[t.tHead.rows[0].cells.length - 1]; th.click(); th.click(); return [th.getAttribute('aria-sort'), ...[...t.tBodies[0].rows].map((r) => r.cells[0].textContent)]; })()`,
  );
  assert.equal(order[0], 'descending');
  assert.equal(order[1], 'poly-10');
  assertClean('report.html after interaction');

  const screenshot = join(out, 'report-screenshot.png');
  await browser.evaluate('window.scrollTo(0, 0)');
  await browser.screenshot(screenshot);
  t.diagnostic(`screenshot: ${screenshot}`);
});

test('compare.html of two runs renders every figure with no error and no request', { skip }, async (t) => {
  const reference = join(work, 'mnist');
  const noisier = join(work, 'mnist-p03');
  uhop('run', 'configs/mnist.json', '--out', noisier, ...small, '--set', 'corruption.p=0.3');
  const out = join(work, 'compared');
  uhop('compare', reference, noisier, '--out', out);
  const pngs = readdirSync(out).filter((f) => f.endsWith('.png'));
  assert.deepEqual(pngs.sort(), ['error-vs-M.png', 'paired-difference.png']);
  const { ready, state, views } = await load(join(out, 'compare.html'));
  assert.ok(ready, 'the page finished rendering within a minute');
  assert.deepEqual(state.errors, []);
  assert.equal(state.rendered, 2);
  for (const view of views) assert.equal(view.svg + view.canvas, 1, `${view.id}: one rendered view`);
  assertClean('compare.html');
  const tip = await browser.evaluate<string>(
    `(async () => { const f = document.getElementById('figure-paired-difference'); f.scrollIntoView(); const r = f.querySelector('.mark-symbol path').getBoundingClientRect(); return JSON.stringify({ x: r.x + r.width / 2, y: r.y + r.height / 2 }); })()`,
  );
  const { x, y } = JSON.parse(tip) as { x: number; y: number };
  await browser.mouse('mouseMoved', x, y);
  await new Promise((r) => setTimeout(r, 300));
  assert.match(await browser.evaluate<string>(`document.getElementById('uhop-tooltip').innerText`), /mean difference/);
  const screenshot = join(out, 'compare-screenshot.png');
  await browser.evaluate('window.scrollTo(0, 0)');
  await browser.screenshot(screenshot);
  t.diagnostic(`screenshot: ${screenshot}`);
});
