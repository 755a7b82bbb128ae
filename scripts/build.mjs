/**
 * npm run build: compiles src/ to dist/ (JavaScript + .d.ts, tsconfig.build.json) and writes the
 * stamp that lets bin/uhop and the library use it. `--if-stale`: do nothing when dist/ is current.
 * The stamp is taken before compiling and written after: an edit made meanwhile makes dist/ stale.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { distIsCurrent, newestSourceChange, projectRoot, RACY_MS, sourceStamp, stampPath } from '../bin/dist.mjs';

if (process.argv.includes('--if-stale') && distIsCurrent()) process.exit(0);
// a file changed just now (a fresh clone) would be hashed at every start: let its mtime age first
const wait = newestSourceChange() + RACY_MS + 10 - Date.now();
if (wait > 0) await sleep(Math.min(wait, RACY_MS + 10));
const stamp = sourceStamp();
// a fresh folder: outputs of deleted sources do not linger
rmSync(join(projectRoot, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(projectRoot, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
// files the compiled code reads beside itself (src/output/page.js, the report's script) come along
const source = join(projectRoot, 'src');
for (const entry of readdirSync(source, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
  const from = join(entry.parentPath ?? entry.path, entry.name);
  cpSync(from, join(projectRoot, 'dist', relative(source, from)));
}
writeFileSync(stampPath(), `${JSON.stringify(stamp)}\n`);
