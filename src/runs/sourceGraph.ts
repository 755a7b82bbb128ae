/**
 * The source files a module reaches: its relative static imports and re-exports, and dynamic
 * `import('./x.ts')` with a literal path, followed transitively. Type-only imports are left out
 * (they are erased and run nothing). Read from the TypeScript sources, so the answer is the same
 * whether uhop runs through tsx or from compiled JavaScript.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';

export interface SourceGraph {
  /** Paths relative to the root, '/'-separated, sorted. */
  files: string[];
  /** Bare package names imported by those files (node built-ins left out), sorted. */
  packages: string[];
}

// `import x, { y } from '…'`, `import type …`, `export { a } from '…'`, `export * from '…'`, `import '…'`:
// an import clause holds only names, braces, commas, `*`, `as`, `type` and white space.
const staticImport = /^[ \t]*(?:import|export)\b(\s+type\b)?[\w$\s{},*]*?\bfrom\s*['"]([^'"\n]+)['"]|^[ \t]*import\s*['"]([^'"\n]+)['"]/gm;
const dynamicImport = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** Specifiers of the runtime imports of one source text. */
export function importSpecifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(staticImport)) {
    if (match[1]) continue; // import type / export type
    found.push(match[2] ?? match[3]);
  }
  for (const match of source.matchAll(dynamicImport)) found.push(match[1]);
  return found;
}

/** The file a relative specifier names; './x.js' also finds './x.ts' (the compiled form's name). */
function resolveRelative(fromFile: string, specifier: string): string {
  const target = join(dirname(fromFile), specifier);
  const candidates = [target, target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts'), `${target}.ts`];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`${fromFile}: cannot find the file imported as "${specifier}"`);
  return found;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const builtins = new Set(builtinModules);

/** Everything reachable from `entries` (paths relative to `root`). */
export function sourceGraph(root: string, entries: string[]): SourceGraph {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const pending = entries.map((entry) => join(root, entry));
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('./') || specifier.startsWith('../')) pending.push(resolveRelative(file, specifier));
      else if (!specifier.startsWith('node:') && !builtins.has(specifier)) packages.add(packageName(specifier));
    }
  }
  const files = [...seen].map((file) => relative(root, file).split(sep).join('/'));
  return { files: files.sort(), packages: [...packages].sort() };
}
