/**
 * The Markdown that uhop writes (report.md, summary.md, phase.md, …) as HTML, so that report.html
 * holds exactly what report.md holds, whatever sections are added to it later. Covers what those
 * files use: ATX headings, paragraphs, pipe tables, "- " lists, fenced code, <details>/<summary>
 * lines, images alone on a line (replaced by `figure`), inline code, **bold**, links.
 */

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Inline Markdown of one line: code spans first (nothing inside them is formatted), then bold and links. */
export function inlineHtml(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part) => {
      if (part.startsWith('`') && part.endsWith('`') && part.length >= 2) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      return escapeHtml(part)
        .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
        .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, href: string) => `<a href="${href}">${label}</a>`);
    })
    .join('');
}

/** Cells of one pipe-table row; `\|` is a literal bar. */
function tableCells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

const isSeparatorRow = (line: string) => /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$/.test(line.trim());

function tableHtml(lines: string[]): string {
  const header = tableCells(lines[0]);
  const aligns = tableCells(lines[1]).map((cell) => (cell.endsWith(':') ? 'right' : 'left'));
  const cell = (tag: string, text: string, i: number) => `<${tag}${aligns[i] === 'right' ? ' class="num"' : ''}>${inlineHtml(text)}</${tag}>`;
  const body = lines.slice(2).map((line) => `<tr>${tableCells(line).map((text, i) => cell('td', text, i)).join('')}</tr>`);
  return `<table class="sortable"><thead><tr>${header.map((text, i) => cell('th', text, i)).join('')}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table>`;
}

const IMAGE = /^!\[([^\]]*)\]\(([^)\s]+)\)$/;

/**
 * `figure(src, caption)` gives the HTML that stands for an image line (report.html: the interactive
 * view of that figure), or null to keep it as an <img>.
 */
export function markdownToHtml(markdown: string, figure: (src: string, caption: string) => string | null = () => null): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const trimmed = line.trim();
    if (trimmed === '') {
      i++;
    } else if (trimmed.startsWith('```')) {
      const language = trimmed.slice(3).trim();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i].trim().startsWith('```'); i++) code.push(lines[i]);
      i++;
      out.push(`<pre><code${language ? ` class="language-${escapeHtml(language)}"` : ''}>${escapeHtml(code.join('\n'))}</code></pre>`);
    } else if (/^#{1,6}\s/.test(trimmed)) {
      const level = trimmed.match(/^#+/)![0].length;
      const text = trimmed.slice(level).trim();
      const id = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
      out.push(`<h${level} id="${id}">${inlineHtml(text)}</h${level}>`);
      i++;
    } else if (trimmed.startsWith('|') && i + 1 < lines.length && isSeparatorRow(lines[i + 1])) {
      const block: string[] = [];
      for (; i < lines.length && lines[i].trim().startsWith('|'); i++) block.push(lines[i]);
      out.push(tableHtml(block));
    } else if (/^[-*]\s/.test(trimmed)) {
      const items: string[] = [];
      for (; i < lines.length && /^[-*]\s/.test(lines[i].trim()); i++) items.push(`<li>${inlineHtml(lines[i].trim().slice(2))}</li>`);
      out.push(`<ul>\n${items.join('\n')}\n</ul>`);
    } else if (/^<\/?(details|summary)\b/.test(trimmed)) {
      // the raw HTML report.md uses to fold the config: passed through as is
      out.push(trimmed);
      i++;
    } else if (IMAGE.test(trimmed)) {
      const [, caption, src] = trimmed.match(IMAGE)!;
      out.push(figure(src, caption) ?? `<figure><img src="${escapeHtml(src)}" alt="${escapeHtml(caption)}"><figcaption>${inlineHtml(caption)}</figcaption></figure>`);
      i++;
    } else {
      const paragraph: string[] = [];
      for (; i < lines.length && lines[i].trim() !== '' && !/^(#{1,6}\s|```|\||[-*]\s|<\/?(details|summary)\b|!\[)/.test(lines[i].trim()); i++) {
        paragraph.push(lines[i].trim());
      }
      if (paragraph.length === 0) {
        paragraph.push(trimmed);
        i++;
      }
      out.push(`<p>${inlineHtml(paragraph.join(' '))}</p>`);
    }
  }
  return out.join('\n');
}
