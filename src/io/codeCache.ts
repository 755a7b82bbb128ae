/**
 * V8's code cache for the tfjs bundles and vega's single-file builds. Requiring @tensorflow/tfjs
 * compiles about 4 MB of CommonJS; the main thread and every worker do it at each start, and on 2
 * cores those compiles queue behind each other before the first cell can run. Node 20 has no
 * compile cache of its own for require() (module.enableCompileCache came in Node 22), so the
 * bundles under node_modules/@tensorflow/ (withTfjsCodeCache) and the files given to
 * runCachedScript (../output/vegaBundles.ts) are compiled here through vm.Script with the cached
 * data V8 made last time, kept in the cache folder (see cacheFolder.ts).
 *
 * V8 itself checks cached data only against the source's length and its own version and flags, and
 * a damaged file can abort the process. So an entry's key holds a hash of the file's content (with
 * its path and the Node and V8 versions): a bundle changed by a byte is another entry. And the entry
 * starts with the sha256 of the cached data, checked before V8 sees it: a damaged entry is
 * compiled over as if absent. A cache that cannot be read or written costs nothing but the time.
 * UHOP_CODE_CACHE=off turns it off.
 */
import { createHash } from 'node:crypto';
import { Module, createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { Script } from 'node:vm';
import { writeFileAtomic } from './atomic.ts';
import { cacheFolder } from './cacheFolder.ts';

/** The part of Node's CommonJS Module that a compile sees. */
interface LoadingModule {
  exports: unknown;
}
type Compile = (this: LoadingModule, content: string, filename: string, ...rest: unknown[]) => unknown;

const modulePrototype = (Module as unknown as { prototype: { _compile: Compile } }).prototype;

/** What the cache did in this thread: files compiled from cached data, and cache files written (tests read it). */
export const codeCacheUse = { hits: 0, writes: 0 };
const CACHED = `${sep}node_modules${sep}@tensorflow${sep}`;

function cacheKey(filename: string, content: string): string {
  const source = createHash('sha1').update(content).digest('hex');
  return createHash('sha256').update([filename, source, process.version, process.versions.v8, process.arch].join('\n')).digest('hex').slice(0, 32);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

/** The cached data of an entry whose checksum matches, else undefined. */
function readCache(path: string): Buffer | undefined {
  let entry: Buffer;
  try {
    entry = readFileSync(path);
  } catch {
    return undefined;
  }
  const data = entry.subarray(32);
  return entry.length > 32 && sha256(data).equals(entry.subarray(0, 32)) ? data : undefined;
}

/**
 * What Node's _compile does for a CommonJS file, with the script's cached data from `folder` (none
 * when null); `requireFor` is what the file's require() calls.
 */
function compileWithCache(module: LoadingModule, content: string, filename: string, folder: string | null, requireFor: (id: string) => unknown = createRequire(filename)): unknown {
  const path = folder === null ? null : join(folder, `${cacheKey(filename, content)}.v8`);
  const cachedData = path === null ? undefined : readCache(path);
  const script = new Script(Module.wrap(content), { filename, cachedData });
  if (cachedData && !script.cachedDataRejected) codeCacheUse.hits++;
  const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
  const result = wrapper.call(module.exports, module.exports, requireFor, module, filename, dirname(filename));
  if (path !== null && (!cachedData || script.cachedDataRejected)) {
    // made after the module ran: the functions its loading compiled are in the cache too
    try {
      const data = script.createCachedData();
      writeFileAtomic(path, Buffer.concat([sha256(data), data]));
      codeCacheUse.writes++;
    } catch {
      // a read-only or full cache folder: next start compiles again
    }
  }
  return result;
}

const defaultFolder = () => join(cacheFolder(), 'v8-code');
const cacheOff = () => process.env.UHOP_CODE_CACHE === 'off';

/**
 * The exports of a CommonJS or UMD file run as Node would run it, compiled from (and into) the code
 * cache: for single-file builds in packages whose own entry is an ES module (those load through
 * `import`, which Node 20 cannot cache). `requireFor` is what the file's require() calls.
 */
export function runCachedScript(filename: string, requireFor: (id: string) => unknown, folder = defaultFolder()): unknown {
  const module: LoadingModule = { exports: {} };
  compileWithCache(module, readFileSync(filename, 'utf8'), filename, cacheOff() ? null : folder, requireFor);
  return module.exports;
}

/** `load()`, with the tfjs bundles it requires compiled from (and into) the code cache. */
export function withTfjsCodeCache<T>(load: () => T, folder = defaultFolder()): T {
  if (cacheOff()) return load();
  const original = modulePrototype._compile;
  modulePrototype._compile = function (this: LoadingModule, content: string, filename: string, ...rest: unknown[]) {
    // newer Nodes pass the module's format: anything but CommonJS is theirs to compile
    const format = rest[0];
    if (!filename.includes(CACHED) || (format !== undefined && format !== 'commonjs')) return original.call(this, content, filename, ...rest);
    return compileWithCache(this, content, filename, folder);
  };
  try {
    return load();
  } finally {
    modulePrototype._compile = original;
  }
}
