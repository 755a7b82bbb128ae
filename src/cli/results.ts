/** `uhop report DIR` and `uhop merge DIR... --out OUT`: tables from stored cells, no recompute. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { mergeResultsFolders, readResultsFolder } from '../runs/resultsFolder.ts';
import { writeResults } from '../output/writeResults.ts';
import { UserError } from '../errors.ts';
import { withFolderLock } from '../runs/folderLock.ts';

export async function reportCommand(directory: string): Promise<void> {
  if (!existsSync(directory)) throw new UserError(`${directory} not found`);
  const folder = await withFolderLock(resolve(directory), async () => {
    const read = readResultsFolder(resolve(directory));
    await writeResults(read.directory, read.config, read.cells, read.failed, read.manifest);
    return read;
  });
  console.log(`${folder.config.name}: tables, plots and report.md rewritten from ${folder.cells.length} stored cells in ${directory}`);
}

export async function mergeCommand(directories: string[], options: { out: string; partial?: boolean }): Promise<void> {
  const out = resolve(options.out);
  await withFolderLock(out, async () => {
    const merged = mergeResultsFolders(directories.map((d) => resolve(d)), out, { partial: options.partial });
    const backends = [...new Set(merged.sources.map((s) => s.manifest.backend.label))];
    if (backends.length > 1) console.error(`uhop: note: the shards ran on different backends (${backends.join(', ')}); each cell records its own`);
    const first = merged.sources[0].manifest;
    const keys = [...merged.cells.map((c) => c.key), ...merged.failed.map((f) => f.key)];
    if (keys.length === 0) throw new UserError('nothing to merge: the folders hold no finished or failed cells');
    const manifest = {
      ...first,
      command: process.argv.slice(2),
      finishedAt: new Date().toISOString(),
      cellKeys: keys,
      cells: { total: keys.length, cached: merged.cells.length, ran: 0, failed: merged.failed.length },
      shard: null,
    };
    await writeResults(out, merged.config, merged.cells, merged.failed, manifest);
    console.log(`merged ${directories.length} folder(s): ${merged.cells.length} cells, ${merged.failed.length} failed → ${options.out}`);
  });
}
