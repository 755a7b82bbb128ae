import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { initBackend } from '../src/backend/select.ts';
import { loadConfig } from '../src/config/load.ts';
import { poolFingerprint } from '../src/data/pool.ts';
import { loadPool } from '../src/data/registry.ts';
import { cellKey, mathEntries, mathSourceFiles, mathVersion, packageRoot } from '../src/runs/cellKey.ts';
import { planSweep } from '../src/runs/sweep.ts';
import { sourceGraph } from '../src/runs/sourceGraph.ts';

/** The runtime imports of a file as TypeScript's own parser sees them (independent of the regex walk). */
function parsedImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    }
    if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((specifier) => specifier.startsWith('.'));
}

function reachableByParser(root: string, entries: string[]): string[] {
  const seen = new Set<string>();
  const pending = entries.map((entry) => join(root, entry));
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    pending.push(...parsedImports(file).map((specifier) => join(dirname(file), specifier)));
  }
  return [...seen].map((file) => relative(root, file)).sort();
}

test('every file reachable from the cell pipeline is hashed into the math version, download code is not', () => {
  const hashed = mathSourceFiles();
  const reachable = reachableByParser(packageRoot, mathEntries);
  assert.deepEqual(reachable.filter((file) => !hashed.includes(file)), [], 'reachable but not hashed');
  assert.deepEqual(hashed, reachable, 'hashed but not reachable');
  for (const file of ['src/backend/gemm64.ts', 'src/backend/rows.ts', 'src/backend/blasMatMul.ts', 'src/experiments/cell.ts']) {
    assert.ok(hashed.includes(file), file);
  }
  for (const file of ['src/data/fetch.ts', 'src/data/registry.ts', 'src/runs/cache.ts', 'src/cli/main.ts']) assert.ok(!hashed.includes(file), file);
});

test('editing a copy of a math file changes the math version; editing download code does not', () => {
  const folder = mkdtempSync(join(tmpdir(), 'uhop-mathversion-'));
  try {
    const copy = (name: string, edit?: string) => {
      const root = join(folder, name);
      cpSync(join(packageRoot, 'src'), join(root, 'src'), { recursive: true });
      cpSync(join(packageRoot, 'package.json'), join(root, 'package.json'));
      if (edit) appendFileSync(join(root, edit), '\n// edited\n');
      return mathVersion(root);
    };
    const base = copy('base');
    assert.match(base, /^[0-9a-f]{16}$/);
    assert.equal(copy('again'), base, 'same sources, same version');
    for (const file of ['src/backend/gemm64.ts', 'src/backend/rows.ts', 'src/hopfield/similarities.ts', 'src/backend/blas.ts']) {
      assert.notEqual(copy(file.replaceAll('/', '_'), file), base, file);
    }
    for (const file of ['src/data/fetch.ts', 'src/runs/cache.ts', 'src/cli/run.ts']) assert.equal(copy(file.replaceAll('/', '_'), file), base, file);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('the import walk follows multi-line, re-export, side-effect and literal dynamic imports, not type-only ones', () => {
  const root = mkdtempSync(join(tmpdir(), 'uhop-graph-'));
  try {
    const files: Record<string, string> = {
      'src/a.ts': [
        "import {\n  b1,\n  type B2,\n} from './b.ts';",
        "import type { C } from './c.ts';",
        "export type { C2 } from './c2.ts';",
        "export * from './e.ts';",
        "import './side.ts';",
        "import * as tf from '@tensorflow/tfjs';",
        "import { readFileSync } from 'node:fs';",
        "import { join } from 'path';",
        '/** not followed: a comment line that mentions\n * import { x } from "./absent.ts" */',
        "export async function load() { return import('./d.ts'); }",
        "const name = './notLiteral.ts';\nexport const later = () => import(name);",
      ].join('\n'),
      'src/b.ts': "export { f } from './sub/f.ts';\nexport const b1 = 1;",
      'src/sub/f.ts': "import sim from 'simple-statistics/sub';\nexport const f = sim;",
      'src/c.ts': 'export type C = number;',
      'src/c2.ts': 'export type C2 = number;',
      'src/d.ts': 'export const d = 1;',
      'src/e.ts': 'export const e = 1;',
      'src/side.ts': 'globalThis.x = 1;',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const graph = sourceGraph(root, ['src/a.ts']);
    assert.deepEqual(graph.files, ['src/a.ts', 'src/b.ts', 'src/d.ts', 'src/e.ts', 'src/side.ts', 'src/sub/f.ts']);
    assert.deepEqual(graph.packages, ['@tensorflow/tfjs', 'simple-statistics']);
    writeFileSync(join(root, 'src/d.ts'), "import { gone } from './missing.ts';");
    assert.throws(() => sourceGraph(root, ['src/a.ts']), /missing\.ts/, 'an import that cannot be found is an error, not a file left out');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('cell keys carry the BLAS build as loaded: another BLAS (or none) gives other keys', async () => {
  const backend = await initBackend();
  assert.ok(backend.identity.startsWith(backend.label), backend.identity);
  if (backend.blas) assert.ok(backend.identity.includes(backend.blas.config), `${backend.identity} names ${backend.blas.config}`);
  const config = loadConfig('configs/synthetic-sphere.json', ['memories=[6]', 'seeds=1']);
  const folder = mkdtempSync(join(tmpdir(), 'uhop-keys-'));
  try {
    const [planned] = (await planSweep(config, folder)).cells;
    const data = poolFingerprint(loadPool(config.dataset));
    assert.equal(planned.key, cellKey(config, planned, data, backend.identity), 'the sweep keys cells by the backend identity');
    const otherBlas = `${backend.label}; OpenBLAS 0.3.26 DYNAMIC_ARCH SkylakeX`;
    assert.notEqual(cellKey(config, planned, data, otherBlas), planned.key);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
