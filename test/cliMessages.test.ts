import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const work = mkdtempSync(join(tmpdir(), 'uhop-messages-'));

function uhop(...args: string[]) {
  return node([], ...args);
}

/** bin/uhop with extra node flags (e.g. a preload). */
function node(flags: string[], ...args: string[]) {
  const result = spawnSync(process.execPath, [...flags, 'bin/uhop', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const noStack = (stderr: string) => assert.doesNotMatch(stderr, /\n\s+at /, `no stack trace:\n${stderr}`);

test('uhop run refuses a name that leads out of results/', () => {
  const run = uhop('run', 'configs/mnist.json', '--set', 'name=..', '--dry-run');
  assert.equal(run.code, 2);
  assert.match(run.stderr, /name: must name a folder inside results\//);
  noStack(run.stderr);
});

test('--set with a __proto__, prototype or constructor segment exits 2, in run, validate and reproduce', () => {
  for (const args of [
    ['validate', 'configs/mnist.json', '--set', 'models.__proto__.x=1'],
    ['run', 'configs/mnist.json', '--dry-run', '--set', '__proto__.x=1'],
    ['reproduce', 'uhop-capacity-mnist', '--set', '__proto__.x=1'],
    ['validate', 'configs/mnist.json', '--set', 'featureMap={"__proto__":{"x":1}}'],
  ]) {
    const result = uhop(...args);
    assert.equal(result.code, 2, `${args.join(' ')}\n${result.stderr}`);
    assert.match(result.stderr, /__proto__/);
    noStack(result.stderr);
  }
});

test('a folder as the config, --out naming a file, an unwritable results folder: exit 2 with a message', () => {
  const folder = uhop('run', 'configs');
  assert.equal(folder.code, 2);
  assert.match(folder.stderr, /configs is a folder; give a config file/);
  noStack(folder.stderr);
  for (const extra of [['--dry-run'], []]) {
    const file = uhop('run', 'configs/mnist.json', '--out', 'package.json', '--set', 'memories=[10]', '-q', ...extra);
    assert.equal(file.code, 2);
    assert.match(file.stderr, /--out: .*package\.json is a file, not a folder/);
    noStack(file.stderr);
  }
  // /sys refuses new folders even to root
  const started = Date.now();
  const unwritable = uhop('run', 'configs/mnist.json', '--out', `/sys/uhop-test-${process.pid}`, '--set', 'memories=[10]', '-q');
  assert.equal(unwritable.code, 2);
  assert.match(unwritable.stderr, /--out: cannot write results to \/sys\/uhop-test-\d+ \(E\w+/);
  noStack(unwritable.stderr);
  const inside = uhop('run', 'configs/mnist.json', '--out', join('package.json', 'sub'), '--set', 'memories=[10]', '-q');
  assert.equal(inside.code, 2);
  assert.match(inside.stderr, /ENOTDIR: a part of the path is a file/);
  assert.ok(Date.now() - started < 60_000);
});

test('M beyond the pool, a pool or Φ too large for memory: caught by validate and --dry-run, exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['configs/mnist.json', '--set', 'memories=[20000]'], /memories: M = 20000 exceeds the 10,000 images of mnist/],
    [['configs/synthetic-sphere.json', '--set', 'dataset.count=100000000000'], /dataset\.count: 100,000,000,000 points × d = 64 .*one array holds at most 2\^32 values/],
    [['configs/mnist.json', '--set', 'featureMap.dim=1000000000'], /featureMap\.dim: D_Φ = 1000000000 with M = 500: a cell needs at least \d+\.\d GiB .*this machine has/],
  ];
  for (const [args, message] of cases) {
    for (const command of [['validate'], ['run', '--dry-run']]) {
      const result = uhop(command[0], ...args, ...command.slice(1));
      assert.equal(result.code, 2, `${command.join(' ')} ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      noStack(result.stderr);
    }
  }
});

test('a full disk while cells are written: exit 2, the finished cells kept, the message says what to free', () => {
  const out = join(work, 'full');
  const args = ['run', 'configs/synthetic-sphere.json', '--out', out, '--set', 'memories=[6,12]', '--set', 'seeds=1', '--set', 'featureMap.epochs=2', '--workers', '1', '-q'];
  const full = node(['--import', './test/fixtures/fullDisk.mjs'], ...args);
  assert.equal(full.code, 2, full.stderr);
  assert.match(full.stderr, /the disk is full \(ENOSPC\) while writing to .*full\.\nFree space on that disk/);
  assert.match(full.stderr, /the 1 finished cell\(s\) in .*cells\/ are kept and are not recomputed/);
  noStack(full.stderr);
  assert.equal(readdirSync(join(out, 'cells')).filter((name) => name.endsWith('.json')).length, 1);
  assert.equal(existsSync(join(out, 'cells.csv')), false);
  const dry = uhop(...args, '--dry-run');
  assert.match(dry.stdout, /2 cells here: 1 cached, 1 to run/);
  assert.equal(uhop(...args).code, 0);
  assert.ok(existsSync(join(out, 'cells.csv')));
});
