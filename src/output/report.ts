/** report.md: one page, readable on GitHub, with how a result was made and what it says. */
import type { ResolvedConfig } from '../config/parity.ts';
import type { FailedCell } from '../experiments/records.ts';
import type { Manifest } from './manifest.ts';
import { markdownToHtml } from './markdownHtml.ts';
import { figureHtml, htmlPage, type PageFigure } from './htmlPage.ts';
import { describeCell } from '../experiments/cellIdentity.ts';

const captions: Record<string, string> = {
  'error-vs-M.png': 'retrieval error vs M',
  'error-vs-logit-scale.png': 'retrieval error against logit scale',
  'separation-bounds.png': 'minimal separation vs M against the bounds',
  'phase-success.png': 'success rate over D_Φ × M',
  'phase-metastable.png': 'metastable share over D_Φ × M',
  'stage1-loss.png': 'Stage I separation loss vs epoch',
};

/** The caption of a figure file (error-vs-M.png); the figures of swept axes (error-vs-<path>, metastable-vs-<path>) by their axis; else its stem. */
export function figureCaption(png: string): string {
  const axis = /^(error|metastable)-vs-(.+)\.png$/.exec(png);
  if (captions[png]) return captions[png];
  if (axis) return `${axis[1] === 'error' ? 'retrieval error' : 'metastable share'} vs ${axis[2]}`;
  return png.replace(/\.png$/, '');
}

export function reportMarkdown(config: ResolvedConfig, manifest: Manifest, summary: string, failed: FailedCell[], figures: string[]): string {
  const blas = manifest.backend.blas ? ` + ${manifest.backend.blas.config} (${manifest.backend.blas.threads} threads)` : '';
  const lines = [
    ...summary.trimEnd().split('\n'),
    '',
    ...figures.flatMap((png) => [`![${figureCaption(png)}](${png})`, '']),
    '## How this was produced',
    '',
    `- uhop ${manifest.uhop}, git ${manifest.gitCommit ?? 'unknown'}, math version ${manifest.mathVersion}`,
    `- backend ${manifest.backend.label}${blas}; Node ${manifest.versions.node}, tfjs ${manifest.versions['@tensorflow/tfjs']}`,
    `- ${manifest.machine.cpus} × ${manifest.machine.cpuModel}, ${manifest.machine.platform} ${manifest.machine.release}`,
    `- data: ${manifest.dataset.name}, ${manifest.dataset.count} images × ${manifest.dataset.dim}, sha256 ${manifest.dataset.sha256.slice(0, 16)}…`,
    `- cells: ${manifest.cells.total} (${manifest.cells.cached} cached, ${manifest.cells.ran} run, ${manifest.cells.failed} failed)` +
      `${manifest.shard ? `, shard ${manifest.shard}` : ''}, ${manifest.workers} worker(s)`,
    `- ${manifest.startedAt} → ${manifest.finishedAt}; command: \`uhop ${manifest.command.join(' ')}\``,
    '',
  ];
  if (config.description) lines.splice(1, 0, '', config.description);
  if (failed.length) {
    lines.push('## Failed cells (retried by the next `uhop run`)', '', '| cell | error |', '| --- | --- |');
    for (const cell of failed) lines.push(`| ${describeCell(cell)} | ${cell.error.split('\n')[0].replace(/\|/g, '\\|')} |`);
    lines.push('');
  }
  lines.push('## Resolved config', '', '<details><summary>config.resolved.json</summary>', '', '```json', JSON.stringify(config, null, 2), '```', '', '</details>', '');
  return lines.join('\n');
}

/**
 * report.html: report.md as HTML, with every figure as the interactive view of its vega-lite spec
 * in place of report.md's images (also the figures that report.md does not show).
 */
export function reportHtml(title: string, markdown: string, figures: PageFigure[]): string {
  // the figures go before the first section (report.md has them after its tables): a page is read from the top
  const body = markdownToHtml(markdown, (src) => (figures.some((f) => `${f.name}.png` === src) ? '' : null));
  const section = figures.length ? `<h2 id="figures">Figures</h2>\n${figures.map(figureHtml).join('\n')}\n` : '';
  const first = body.indexOf('<h2');
  return htmlPage(title, first < 0 ? `${body}\n${section}` : `${body.slice(0, first)}${section}${body.slice(first)}`);
}
