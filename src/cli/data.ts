/** `uhop data list` and `uhop data fetch NAME`. */
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { UserError } from '../errors.ts';
import { catalog } from '../data/catalog.ts';
import { fetchDataset, type FetchProgress } from '../data/fetch.ts';
import { defaultIdleTimeoutSeconds } from '../data/httpGet.ts';
import { datasetStatuses } from '../data/status.ts';

export async function dataListCommand(options: { dataDir?: string }): Promise<void> {
  const rows = await datasetStatuses(options.dataDir);
  const size = (bytes: number | null) => (bytes === null ? '' : `${(bytes / 1e6).toFixed(1)} MB`);
  const table = [['dataset', 'split', 'available', 'size', 'sha256', 'location'], ...rows.map((r) => [r.dataset, r.split, r.available ? 'yes' : 'no', size(r.bytes), r.sha256, r.location])];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  for (const row of table) console.log(row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '));
}

function barProgress(): FetchProgress & { stop(): void } {
  if (!process.stderr.isTTY) {
    return {
      onFile: (name, total, from) => process.stderr.write(`downloading ${name}${total ? ` (${(total / 1e6).toFixed(1)} MB)` : ''}${from ? `, resuming at ${from} bytes` : ''}\n`),
      onDone: (name, status) => process.stderr.write(`${name}: ${status}, sha256 verified\n`),
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{file} {bar} {percentage}% | {value}/{total} bytes | ETA {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let active = false;
  return {
    onFile: (name, total, from) => {
      bar.start(total ?? 0, from, { file: name });
      active = true;
    },
    onBytes: (received) => bar.update(received),
    onDone: (name, status) => {
      if (active) bar.stop();
      active = false;
      process.stderr.write(`${name}: ${status}, sha256 verified\n`);
    },
    stop: () => active && bar.stop(),
  };
}

/** --timeout, else UHOP_FETCH_TIMEOUT, else 30 s. */
function idleTimeoutSeconds(option: string | undefined): number {
  const [source, text] = option !== undefined ? ['--timeout', option] : ['UHOP_FETCH_TIMEOUT', process.env.UHOP_FETCH_TIMEOUT];
  if (text === undefined || text === '') return defaultIdleTimeoutSeconds;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UserError(`${source} must be a positive number of seconds, got "${text}"`);
  return seconds;
}

export async function dataFetchCommand(name: string, options: { dataDir?: string; mirror?: string; split?: string; timeout?: string }): Promise<void> {
  const dataset = catalog[name as keyof typeof catalog];
  if (!dataset) {
    throw new UserError(`unknown dataset "${name}": fetchable are ${Object.keys(catalog).join(', ')} (mnist and the synthetic sets need no files)`);
  }
  if (options.split && !['train', 'test'].includes(options.split)) throw new UserError(`--split must be train or test, got "${options.split}"`);
  const timeout = idleTimeoutSeconds(options.timeout);
  const progress = barProgress();
  try {
    const folder = await fetchDataset(dataset, {
      dataDir: resolve(options.dataDir ?? 'data'),
      mirror: options.mirror,
      splits: options.split ? [options.split as 'train' | 'test'] : undefined,
      progress,
      idleTimeoutSeconds: timeout,
    });
    console.log(`${name}: ready in ${folder}`);
  } finally {
    progress.stop();
  }
}
