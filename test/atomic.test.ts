import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporaryName, temporaryPath, writeFileAtomic, writeNewFile } from '../src/io/atomic.ts';
import { removeStaleTemporaries } from '../src/io/staleTemporaries.ts';
import { loadConfig } from '../src/config/load.ts';
import { runToFolder } from '../src/runs/runToFolder.ts';
import { cellsFolder } from '../src/runs/cache.ts';

const work = mkdtempSync(join(tmpdir(), 'uhop-atomic-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

/** The pid of a process that has exited (and so is not running any more). */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid as number;

test('a symlink planted at the predictable temporary name is not written through', () => {
  const folder = join(work, 'planted');
  mkdirSync(folder);
  const victim = join(folder, 'victim.txt');
  writeFileSync(victim, 'precious');
  const target = join(folder, 'cells.csv');
  symlinkSync(victim, `${target}.${process.pid}.tmp`); // the name uhop used to write through
  writeFileAtomic(target, 'fresh');
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.equal(readFileSync(target, 'utf8'), 'fresh');
  assert.ok(!lstatSync(target).isSymbolicLink());
  assert.deepEqual(readdirSync(folder).filter((name) => temporaryName.test(name) && name !== `cells.csv.${process.pid}.tmp`), [], 'no temporary left');
});

test('the temporary file is created exclusively: an existing file or symlink at its name is refused', () => {
  const folder = join(work, 'exclusive');
  mkdirSync(folder);
  const victim = join(folder, 'victim.txt');
  writeFileSync(victim, 'precious');
  const link = join(folder, 'link.tmp');
  symlinkSync(victim, link);
  assert.throws(() => writeNewFile(link, 'overwritten?'), { code: 'EEXIST' });
  assert.ok(lstatSync(link).isSymbolicLink(), 'what was there is left alone');
  const dangling = join(folder, 'dangling.tmp');
  symlinkSync(join(folder, 'not-yet-there'), dangling);
  assert.throws(() => writeNewFile(dangling, 'created through?'), { code: 'EEXIST' });
  assert.equal(existsSync(join(folder, 'not-yet-there')), false);
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
});

test('temporary names are unpredictable and carry the pid', () => {
  const a = temporaryPath('/x/cells.csv');
  const b = temporaryPath('/x/cells.csv');
  assert.notEqual(a, b);
  for (const name of [a, b]) {
    assert.match(name, new RegExp(`^/x/cells\\.csv\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    assert.equal(Number(temporaryName.exec(name)?.[1]), process.pid);
  }
});

test('stale temporaries of dead runs are removed, a live run’s are kept, nothing else is touched', async () => {
  const folder = join(work, 'stale');
  mkdirSync(folder);
  const dead = deadPid();
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    const victim = join(work, 'stale-victim.txt');
    writeFileSync(victim, 'precious');
    const names = {
      deadNew: `cells.csv.${dead}.0123456789ab.tmp`,
      deadOld: `k.json.${dead}.tmp`,
      deadLink: `m.json.${dead}.ba9876543210.tmp`,
      liveChild: `n.json.${live.pid}.00000000000a.tmp`,
      ownRun: `o.json.${process.pid}.00000000000b.tmp`,
      unrelated: 'notes.tmp',
      result: 'cells.csv',
    };
    for (const [key, name] of Object.entries(names)) {
      if (key === 'deadLink') symlinkSync(victim, join(folder, name));
      else writeFileSync(join(folder, name), key);
    }
    removeStaleTemporaries(folder);
    assert.deepEqual(readdirSync(folder).sort(), [names.liveChild, names.ownRun, names.unrelated, names.result].sort());
    assert.equal(readFileSync(victim, 'utf8'), 'precious', 'a symlink is removed, not its target');
    removeStaleTemporaries(join(work, 'no-such-folder')); // a folder not yet made is fine
  } finally {
    live.kill();
  }
});

test('uhop run cleans stale temporaries in the results folder and in cells/', async () => {
  const out = join(work, 'run');
  const dead = deadPid();
  mkdirSync(cellsFolder(out), { recursive: true });
  const stale = [join(out, `summary.csv.${dead}.0123456789ab.tmp`), join(cellsFolder(out), `abc.json.${dead}.0123456789ab.tmp`)];
  for (const path of stale) writeFileSync(path, 'left by a killed run');
  const config = loadConfig('configs/synthetic-sphere.json', ['memories=[6]', 'seeds=1']);
  await runToFolder(config, { resultsDir: out, workers: 1 });
  assert.ok(existsSync(join(out, 'cells.csv')));
  for (const path of stale) assert.equal(existsSync(path), false, path);
});
