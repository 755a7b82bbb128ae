/**
 * Which code runs: the compiled dist/ (npm run build) only when it was built from the sources as
 * they are now. The build writes dist/build-stamp: a sha256 of src/ and the tsconfig files, and each
 * file's size and mtime. A start compares the sizes and mtimes (about 1 ms) and hashes the contents
 * only when they differ, so an edit to src/ is never silently ignored by a stale dist/.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A file changed within this long before its stat was taken may be changed again within the same
 * timestamp tick: its mtime is not trusted, its content is hashed (git's "racily clean" rule).
 */
export const RACY_MS = 2000;

/** Where the build writes the stamp of the sources it compiled. */
export function stampPath(root = projectRoot) {
  return join(root, 'dist', 'build-stamp');
}

function sourceFiles(root) {
  const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
  return [...sources, join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json')].sort();
}

/** Size and mtime of each file, keyed by its path in the project. */
function fileStats(root, files) {
  return Object.fromEntries(
    files.map((file) => {
      const { size, mtimeMs } = statSync(file);
      return [file.slice(root.length), [size, mtimeMs]];
    }),
  );
}

/** sha256 of every file under src/ (path and content) and of the tsconfig files. */
function contentHash(root, files) {
  const hash = createRequire(import.meta.url)('node:crypto').createHash('sha256');
  for (const file of files) {
    hash.update(file.slice(root.length));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** The latest mtime of the stamped files (the build waits until it is RACY_MS old). */
export function newestSourceChange(root = projectRoot) {
  return Math.max(...sourceFiles(root).map((file) => statSync(file).mtimeMs));
}

/** What the build writes to dist/build-stamp (taken before compiling). */
export function sourceStamp(root = projectRoot) {
  const files = sourceFiles(root);
  const takenAt = Date.now();
  return { sha256: contentHash(root, files), takenAt, files: fileStats(root, files) };
}

function readStamp(root) {
  try {
    return JSON.parse(readFileSync(stampPath(root), 'utf8'));
  } catch {
    return null;
  }
}

/** dist/ exists and was built from the current sources. */
export function distIsCurrent(root = projectRoot) {
  const stamp = existsSync(stampPath(root)) ? readStamp(root) : null;
  if (!stamp?.sha256 || !stamp.files) return false;
  const files = sourceFiles(root);
  const stats = fileStats(root, files);
  const names = Object.keys(stats);
  const unchanged =
    names.length === Object.keys(stamp.files).length &&
    names.every((name) => {
      const [size, mtime] = stamp.files[name] ?? [];
      return size === stats[name][0] && mtime === stats[name][1] && mtime < stamp.takenAt - RACY_MS;
    });
  return unchanged || contentHash(root, files) === stamp.sha256;
}

/** Code running from dist/ (not from the sources through tsx) with a stale build: say so, as a process warning. */
export function warnIfStale(moduleUrl) {
  if (!fileURLToPath(moduleUrl).startsWith(join(projectRoot, 'dist') + sep)) return;
  if (!distIsCurrent()) {
    process.emitWarning('dist/ was not built from the current src/; run `npm run build`', { code: 'UHOP_STALE_DIST' });
  }
}
