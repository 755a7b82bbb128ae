/** Reading the results folders of `uhop compare`: every folder that cannot be read is named, then nothing is written. */
import { basename, dirname, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import type { ComparedRun } from '../output/compareTables.ts';
import { writeComparison } from '../output/compare.ts';
import { readResultsFolder } from './resultsFolder.ts';

/** Folder names as labels; where two are equal, with their parent folder ("a/run", "b/run"), then a number. */
export function runLabels(directories: string[]): string[] {
  const short = directories.map((d) => basename(d));
  const labels = short.map((name, i) => (short.filter((s) => s === name).length > 1 ? `${basename(dirname(directories[i]))}/${name}` : name));
  return labels.map((label, i) => (labels.filter((l) => l === label).length > 1 ? `${label} (${i + 1})` : label));
}

export function readComparedRuns(directories: string[], out: string): ComparedRun[] {
  if (directories.length < 2) throw new UserError('uhop compare needs at least two results folders');
  const paths = directories.map((d) => resolve(d));
  const repeated = paths.filter((p, i) => paths.indexOf(p) !== i);
  if (repeated.length) throw new UserError(`uhop compare: ${repeated.join(', ')} given more than once`);
  if (paths.includes(resolve(out))) throw new UserError(`uhop compare: --out ${out} is one of the folders compared; choose a new folder (its figures would overwrite the run's)`);
  const problems: string[] = [];
  const folders = paths.flatMap((path, i) => {
    try {
      const folder = readResultsFolder(path);
      if (folder.cells.length === 0) {
        problems.push(`${directories[i]}: holds no finished cell`);
        return [];
      }
      return [folder];
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      problems.push(error.message);
      return [];
    }
  });
  if (problems.length) throw new UserError(`uhop compare cannot read ${problems.length} folder(s):\n  ${problems.join('\n  ')}`);
  const labels = runLabels(paths);
  return folders.map((folder, i) => ({
    label: labels[i],
    directory: directories[i],
    config: folder.config,
    manifest: folder.manifest,
    records: folder.cells.flatMap((cell) => cell.records),
    failed: folder.failed.length,
  }));
}

/** Reads the folders and writes the comparison into `out`. */
export async function compareFolders(directories: string[], out: string): Promise<{ runs: ComparedRun[]; files: string[] }> {
  const runs = readComparedRuns(directories, out);
  return { runs, files: await writeComparison(resolve(out), runs) };
}
