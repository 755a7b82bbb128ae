/**
 * V8's code cache for the tfjs bundles. Requiring @tensorflow/tfjs compiles about 4 MB of CommonJS;
 * the main thread and every worker do it at each start, and on 2 cores those compiles queue behind
 * each other before the first cell can run. Node 20 has no compile cache of its own for require()
 * (module.enableCompileCache came in Node 22), so the bundles under node_modules/@tensorflow/ are
 * compiled here through vm.Script with the cached data V8 made last time, kept in the cache folder
 * (see cacheFolder.ts) under a key of the file's path, size, mtime and the Node version.
 *
 * V8 checks cached data against the source and its own version and flags, and rejects what does
 * not match (the file is then compiled as usual and the cache rewritten). A cache that cannot be
 * read or written costs nothing but the time: the bundle is compiled the normal way.
 * UHOP_CODE_CACHE=off turns it off.
 */
import { createHash } from 'node:crypto';
import { Module, createRequire } from 'node:module';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { Script } from 'node:vm';
import { writeFileAtomic } from '../io/atomic.ts';
import { cacheFolder } from '../io/cacheFolder.ts';

/** The part of Node's CommonJS Module that a compile sees. */
interface LoadingModule {
  exports: unknown;
}
type Compile = (this: LoadingModule, content: string, filename: string) => unknown;

const modulePrototype = (Module as unknown as { prototype: { _compile: Compile } }).prototype;

/** What the cache did in this thread: files compiled from cached data, and cache files written (tests read it). */
export const codeCacheUse = { hits: 0, writes: 0 };
const CACHED = `${sep}node_modules${sep}@tensorflow${sep}`;

function cacheKey(filename: string): string {
  const { size, mtimeMs } = statSync(filename);
  return createHash('sha256').update([filename, size, mtimeMs, process.version, process.arch].join('\n')).digest('hex').slice(0, 32);
}

function readCache(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** What Node's _compile does for a CommonJS file, with the script's cached data from `folder`. */
function compileWithCache(module: LoadingModule, content: string, filename: string, folder: string): unknown {
  const path = join(folder, `${cacheKey(filename)}.v8`);
  const cachedData = readCache(path);
  const script = new Script(Module.wrap(content), { filename, cachedData });
  if (cachedData && !script.cachedDataRejected) codeCacheUse.hits++;
  const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
  const result = wrapper.call(module.exports, module.exports, createRequire(filename), module, filename, dirname(filename));
  if (!cachedData || script.cachedDataRejected) {
    // made after the module ran: the functions its loading compiled are in the cache too
    try {
      writeFileAtomic(path, script.createCachedData());
      codeCacheUse.writes++;
    } catch {
      // a read-only or full cache folder: next start compiles again
    }
  }
  return result;
}

/** `load()`, with the tfjs bundles it requires compiled from (and into) the code cache. */
export function withTfjsCodeCache<T>(load: () => T, folder = join(cacheFolder(), 'v8-code')): T {
  if (process.env.UHOP_CODE_CACHE === 'off') return load();
  const original = modulePrototype._compile;
  modulePrototype._compile = function (this: LoadingModule, content: string, filename: string) {
    if (!filename.includes(CACHED)) return original.call(this, content, filename);
    return compileWithCache(this, content, filename, folder);
  };
  try {
    return load();
  } finally {
    modulePrototype._compile = original;
  }
}
