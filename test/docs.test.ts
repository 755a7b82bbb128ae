import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** README.md and every file under docs/: the user's documentation. */
function documentationFiles(): string[] {
  const walk = (folder: string): string[] =>
    readdirSync(folder).flatMap((name) => {
      const path = join(folder, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return ['README.md', ...(existsSync('docs') ? walk('docs') : [])];
}

test('README.md and docs/ stand alone: no reference to ../shared, every relative link points to a file of the repository', () => {
  const files = documentationFiles();
  assert.ok(files.includes(join('docs', 'methods.md')), 'docs/methods.md exists');
  const root = resolve('.');
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /\.\.\/shared|\/work\/shared/, `${file} refers to the helpers' shared folder`);
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
      const path = resolve(dirname(file), target.split('#')[0]);
      assert.ok(!relative(root, path).startsWith('..'), `${file}: link ${target} leaves the repository`);
      assert.ok(existsSync(path), `${file}: link ${target} points to no file`);
    }
  }
  assert.match(readFileSync('README.md', 'utf8'), /\]\(docs\/methods\.md\)/, 'README links docs/methods.md');
});
