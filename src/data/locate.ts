/**
 * Where data files are looked for, in order: --data-dir, UHOP_DATA_DIR, ./data, and for
 * Fashion-MNIST the folder of the Debian package dataset-fashion-mnist (asked of dpkg, not guessed).
 * Within a data dir, a dataset's files lie in <dir>/<dataset>/[<subfolder>/] or directly in <dir>.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import { catalog, type CatalogDataset } from './catalog.ts';

let debianFolder: string | null | undefined;

/** The folder holding the Debian package's Fashion-MNIST files, or null. */
export function debianFashionMnistFolder(): string | null {
  if (debianFolder !== undefined) return debianFolder;
  try {
    const files = execFileSync('dpkg', ['-L', 'dataset-fashion-mnist'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n');
    const images = files.find((file) => file.endsWith('/train-images-idx3-ubyte.gz'));
    debianFolder = images ? dirname(images) : null;
  } catch {
    debianFolder = null; // no dpkg, or the package is not installed
  }
  return debianFolder;
}

/** The data dirs to search, in order. */
export function dataDirs(cliDataDir?: string): string[] {
  const dirs = [cliDataDir, process.env.UHOP_DATA_DIR, 'data'].filter((d): d is string => Boolean(d));
  return [...new Set(dirs.map((d) => resolve(d)))];
}

/** Every folder that may hold a dataset's split files, in search order. */
export function candidateFolders(dataset: CatalogDataset, cliDataDir?: string): string[] {
  const folders = dataDirs(cliDataDir).flatMap((dir) => [
    ...dataset.subfolders.map((sub) => join(dir, dataset.name, sub)),
    ...dataset.subfolders.map((sub) => join(dir, sub)),
  ]);
  if (dataset.name === 'fashion-mnist') {
    const debian = debianFashionMnistFolder();
    if (debian) folders.push(debian);
  }
  return [...new Set(folders)];
}

export interface LocatedFile {
  name: string;
  path: string;
}

/**
 * The first folder holding every file of the split (a file may also be stored uncompressed,
 * without its .gz). Throws a UserError naming the files, every place searched and how to get them.
 */
export function locateSplit(name: CatalogDataset['name'], split: 'train' | 'test', cliDataDir?: string): LocatedFile[] {
  const dataset = catalog[name];
  const files = dataset.splits[split];
  const folders = candidateFolders(dataset, cliDataDir);
  for (const folder of folders) {
    const found = files.map((file) => {
      const path = [join(folder, file.name), join(folder, file.name.replace(/\.gz$/, ''))].find((p) => existsSync(p));
      return path ? { name: file.name, path } : null;
    });
    if (found.every((f) => f !== null)) return found as LocatedFile[];
  }
  throw new UserError(missingMessage(dataset, split, folders));
}

/** How to get a dataset's files: the fetch command and its alternatives (ends every data error). */
export function howToGet(dataset: CatalogDataset): string {
  return [
    'get them with:',
    `  npx uhop data fetch ${dataset.name}   (downloads to ./data/${dataset.name}/, or --data-dir DIR)`,
    ...dataset.alternatives.map((a) => `  ${a}`),
  ].join('\n');
}

export function missingMessage(dataset: CatalogDataset, split: string, folders: string[]): string {
  const names = dataset.splits[split as 'train' | 'test'].map((f) => f.name).join(', ');
  return [`dataset ${dataset.name} (${split}): files not found: ${names}`, 'looked in:', ...folders.map((f) => `  ${f}`), howToGet(dataset)].join('\n');
}
