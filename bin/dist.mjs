/**
 * Which code runs: the compiled dist/ (npm run build) only when it was built from the sources as
 * they are now. The build writes a hash of src/ and the tsconfig files to dist/build-stamp; a start
 * recomputes it (a few ms), so an edit to src/ is never silently ignored by a stale dist/.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the build writes the stamp of the sources it compiled. */
export function stampPath(root = projectRoot) {
  return join(root, 'dist', 'build-stamp');
}

/** sha256 of every file under src/ (path and content) and of the tsconfig files. */
export function sourceStamp(root = projectRoot) {
  const hash = createHash('sha256');
  const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
  for (const file of [...sources, join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json')]) {
    hash.update(file.slice(root.length));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** dist/ exists and was built from the current sources. */
export function distIsCurrent(root = projectRoot) {
  const stamp = stampPath(root);
  return existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === sourceStamp(root);
}

/** Code running from dist/ (not from the sources through tsx) with a stale build: say so, as a process warning. */
export function warnIfStale(moduleUrl) {
  if (!fileURLToPath(moduleUrl).startsWith(join(projectRoot, 'dist') + sep)) return;
  if (!distIsCurrent()) {
    process.emitWarning('dist/ was not built from the current src/; run `npm run build`', { code: 'UHOP_STALE_DIST' });
  }
}
