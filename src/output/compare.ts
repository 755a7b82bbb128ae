/** `uhop compare`: compare.md, compare.html, compare.csv, compare-paired.csv and the figures of a comparison, written atomically. */
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../io/atomic.ts';
import { compareErrorVsFeatureDimSpec, compareErrorVsMemoriesSpec, comparePairedSpec } from './compareFigures.ts';
import { compareRows, comparePairedRows, configDifferences, unpairedReason, type ComparedRun, type ComparePairedRow, type CompareRow } from './compareTables.ts';
import { figureHtml, htmlPage } from './htmlPage.ts';
import { markdownToHtml } from './markdownHtml.ts';
import { renderSvg, svgToPng } from './render.ts';

const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : String(value));
const cell = (text: string) => text.replace(/\|/g, '\\|');
const table = (header: string[], body: string[][], numeric: boolean[]) =>
  [`| ${header.map(cell).join(' | ')} |`, `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`, ...body.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
const unique = <T>(values: T[]) => [...new Set(values)];
const clip = (text: string, length = 60) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

function runsTable(runs: ComparedRun[]): string {
  const body = runs.map((run) => {
    const dims = unique(run.records.map((r) => r.featureDim)).sort((a, b) => a - b);
    const { dataset } = run.manifest;
    return [
      run.label,
      `\`${run.directory}\``,
      run.config.name,
      `${dataset.name} ${dataset.count} × ${dataset.dim}, sha256 ${dataset.sha256.slice(0, 12)}…`,
      run.config.parity,
      String(unique(run.records.map((r) => r.model)).length),
      unique(run.records.map((r) => r.M)).sort((a, b) => a - b).join(', '),
      dims.join(', '),
      String(unique(run.records.map((r) => r.seed)).length),
      `${unique(run.records.map((r) => `${r.M}/${r.featureDim}/${r.seed}`)).length}${run.failed ? ` (+${run.failed} failed)` : ''}`,
      run.manifest.mathVersion,
      run.manifest.finishedAt,
    ];
  });
  return table(['run', 'folder', 'config', 'data', 'parity', 'models', 'M', 'D_Φ', 'seeds', 'cells', 'math version', 'finished'], body, [false, false, false, false, false, true, false, false, true, true, false, false]);
}

function modelsTable(runs: ComparedRun[], rows: CompareRow[]): string {
  const names = unique(rows.map((r) => r.name));
  const body = names.map((name) => [name, ...runs.map((run) => (rows.some((r) => r.run === run.label && r.name === name) ? '✓' : '—'))]);
  return table(['model', ...runs.map((r) => r.label)], body, [false, ...runs.map(() => false)]);
}

function errorTable(runs: ComparedRun[], rows: CompareRow[]): string {
  const keys = unique(rows.map((r) => `${r.model}\u0000${r.M}`));
  const ordered = keys
    .map((key) => rows.find((r) => `${r.model}\u0000${r.M}` === key)!)
    .sort((a, b) => unique(rows.map((r) => r.model)).indexOf(a.model) - unique(rows.map((r) => r.model)).indexOf(b.model) || a.M - b.M);
  const body = ordered.map((first) => [
    first.model,
    String(first.M),
    ...runs.map((run) => {
      const row = rows.find((r) => r.run === run.label && r.model === first.model && r.M === first.M);
      return row ? `${fmt(row.mean)} ± ${fmt(row.std)} [${fmt(row.ciLow)}, ${fmt(row.ciHigh)}] (n = ${row.n})` : '';
    }),
  ]);
  return table(['model', 'M', ...runs.map((r) => r.label)], body, [false, true, ...runs.map(() => true)]);
}

function pairedSection(runs: ComparedRun[], paired: ComparePairedRow[]): string[] {
  const [reference, ...others] = runs;
  const lines = [
    `## Paired differences: error − ${reference.label}'s on the same memory sets and seeds`,
    '',
    `Cells of equal M, seed and D_Φ on the same pool (sha256) with the same memory selection hold the same memories and queries, so each difference is taken per cell (common random numbers) and averaged over the seeds both runs have; 95 % percentile-bootstrap interval of the mean; negative: lower error than ${reference.label}. Models are paired by name.`,
    '',
  ];
  for (const run of others) {
    const reason = unpairedReason(reference, run);
    if (reason) lines.push(`- ${run.label}: not paired with ${reference.label}: ${reason}`);
    else if (!paired.some((p) => p.run === run.label)) lines.push(`- ${run.label}: no model name and cell (M, seed, D_Φ) in common with ${reference.label}`);
  }
  if (lines[lines.length - 1] !== '') lines.push('');
  if (paired.length) {
    const body = paired.map((p) => [p.run, p.model, String(p.M), String(p.n), `${fmt(p.meanDiff)} [${fmt(p.ciLow)}, ${fmt(p.ciHigh)}]`, `${Math.round(p.winShare * 100)} %`]);
    lines.push(table(['run', 'model', 'M', 'seeds', `error − ${reference.label}'s: mean [95 % CI]`, 'seeds with lower error'], body, [false, false, true, true, true, true]), '');
  }
  return lines;
}

export interface Comparison {
  markdown: string;
  rows: CompareRow[];
  paired: ComparePairedRow[];
  /** Figure stem → spec, in page order. */
  figures: Record<string, TopLevelSpec>;
}

const captions: Record<string, string> = {
  'error-vs-M': 'retrieval error vs M, one line per run and model',
  'error-vs-featureDim': 'retrieval error vs D_Φ, one panel per M',
  'paired-difference': 'paired differences against the reference run',
};

export function buildComparison(runs: ComparedRun[]): Comparison {
  const labels = runs.map((r) => r.label);
  const rows = compareRows(runs);
  const paired = comparePairedRows(runs);
  const figures: Record<string, TopLevelSpec> = {};
  figures['error-vs-M'] = compareErrorVsMemoriesSpec(rows, labels, `retrieval error vs M: ${labels.join(' vs ')}`);
  if (unique(rows.map((r) => r.featureDim)).length > 1) figures['error-vs-featureDim'] = compareErrorVsFeatureDimSpec(rows, labels, `retrieval error vs D_Φ: ${labels.join(' vs ')}`);
  if (paired.length) figures['paired-difference'] = comparePairedSpec(paired, labels, `error − ${labels[0]}'s on the same memory sets and seeds`);
  const differences = configDifferences(runs);
  const markdown = [
    `# Comparison: ${labels.join(', ')}`,
    '',
    `${runs.length} results folders; the first, ${labels[0]}, is the reference of the paired differences.`,
    '',
    '## Runs',
    '',
    runsTable(runs),
    '',
    ...Object.keys(figures).flatMap((name) => [`![${captions[name]}](${name}.png)`, '']),
    '## What differs between the configs',
    '',
    differences.length ? table(['config path', ...labels], differences.map((d) => [`\`${d.path}\``, ...d.values.map((v) => clip(v))]), [false, ...labels.map(() => false)]) : 'Nothing: the resolved configs are the same.',
    '',
    '## Models (union)',
    '',
    modelsTable(runs, rows),
    '',
    '## Retrieval error: mean ± std [95 % bootstrap CI of the mean] over seeds',
    '',
    errorTable(runs, rows),
    '',
    ...pairedSection(runs, paired),
  ].join('\n');
  return { markdown, rows, paired, figures };
}

/** Writes the comparison into `out`; returns the paths written. */
export async function writeComparison(out: string, runs: ComparedRun[]): Promise<string[]> {
  const comparison = buildComparison(runs);
  const files: Record<string, string | Uint8Array> = {
    'compare.md': comparison.markdown,
    'compare.csv': stringify(comparison.rows, { header: true, columns: ['run', 'model', 'featureDim', 'M', 'n', 'mean', 'std', 'median', 'ciLow', 'ciHigh'] }),
    'compare-paired.csv': stringify(comparison.paired, { header: true, columns: ['run', 'reference', 'model', 'featureDim', 'M', 'n', 'meanDiff', 'ciLow', 'ciHigh', 'winShare'] }),
  };
  for (const [name, spec] of Object.entries(comparison.figures)) {
    const svg = await renderSvg(spec);
    files[`${name}.svg`] = svg;
    files[`${name}.png`] = svgToPng(svg);
  }
  const page = new Map(Object.entries(comparison.figures).map(([name, spec]) => [`${name}.png`, figureHtml({ name, spec, caption: captions[name] ?? name })]));
  // the interactive figures in place of compare.md's images
  const body = markdownToHtml(comparison.markdown, (src) => page.get(src) ?? null);
  files['compare.html'] = htmlPage(`uhop compare: ${runs.map((r) => r.label).join(', ')}`, body);
  for (const [name, data] of Object.entries(files)) writeFileAtomic(join(out, name), data);
  return Object.keys(files).map((name) => join(out, name));
}
