/** `uhop compare DIR... --out OUT`: results folders side by side, no recompute. */
import { compareFolders } from '../runs/compareFolders.ts';

export async function compareCommand(directories: string[], options: { out: string }): Promise<void> {
  const { runs, files } = await compareFolders(directories, options.out);
  const paired = files.some((f) => f.endsWith('paired-difference.png')) ? ', paired differences' : '';
  console.log(`compared ${runs.map((r) => r.label).join(', ')}${paired} → ${options.out}/compare.html, compare.md (${files.length} files)`);
}
