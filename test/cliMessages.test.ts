import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

test('an error in a --set value names the --set, not the config file, with the expected form', () => {
  const list = uhop('validate', 'configs/mnist.json', '--set', 'memories=100');
  assert.equal(list.code, 2);
  assert.match(list.stderr, /invalid --set memories=100:\n  - memories: expected a list, e.g. \[100\]/);
  assert.doesNotMatch(list.stderr, /invalid config/);
  const broken = uhop('validate', 'configs/mnist.json', '--set', 'featureMap.epochs=many', '--set', 'memories=[10,');
  assert.match(broken.stderr, /invalid --set featureMap\.epochs=many:\n  - featureMap\.epochs: expected an integer, e\.g\. 100/);
  assert.match(broken.stderr, /invalid --set memories=\[10,:\n  - memories: expected a list, e\.g\. \[\d+\] \("\[10," is not valid JSON\)/);
  noStack(broken.stderr);
});

test('a JSON syntax error gives line and column; a recipe given to run or validate points to uhop reproduce', () => {
  const file = join(work, 'comma.json');
  writeFileSync(file, '{\n  "name": "x",\n  "memories": [10],\n}\n');
  const syntax = uhop('run', file);
  assert.equal(syntax.code, 2);
  assert.match(syntax.stderr, /comma\.json: not valid JSON at line 4, column 1: .*\n  \}\n  \^/);
  for (const command of ['run', 'validate']) {
    const recipe = uhop(command, 'configs/paper/uhop-capacity-mnist.json');
    assert.equal(recipe.code, 2);
    assert.match(recipe.stderr, /configs\/paper\/uhop-capacity-mnist\.json is a paper recipe, not a config: run it with `uhop reproduce uhop-capacity-mnist`/);
    noStack(recipe.stderr);
  }
});

test('uhop --version prints the version of package.json', () => {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const result = uhop(flag);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), version);
  }
});

test('Ctrl-C during a progress bar shows the terminal cursor again and exits 130', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/interruptedBar.ts'], { encoding: 'utf8' });
  assert.equal(result.status, 130, result.stderr);
  const hidden = result.stdout.indexOf('\x1b[?25l');
  assert.ok(hidden >= 0, 'the bar hid the cursor');
  assert.ok(result.stdout.indexOf('\x1b[?25h', hidden) > hidden, 'and showed it again');
  assert.match(result.stdout, /w1: M=10, D_Φ=8, seed=1/, 'the bar names D_Φ');
  assert.match(result.stdout, /interrupted \(SIGINT\); finished cells are kept/);
});

test('progress and failure lines name D_Φ when the grid has one', () => {
  const out = join(work, 'dims');
  const args = ['--set', 'memories=[6]', '--set', 'seeds=1', '--set', 'featureMap.epochs=3', '--set', 'featureMap.dim=[2,3]', '--workers', '1'];
  // a learning rate of 1e300 overflows Stage I: both cells fail, as cells (exit 1)
  const run = uhop('run', 'configs/synthetic-sphere.json', '--out', out, ...args, '--set', 'featureMap.lr=1e300');
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /cell 1\/2 \(M=6, D_Φ=2, seed=1, worker 1\) FAILED/);
  assert.match(run.stderr, /\n  M=6, D_Φ=3, seed=1: Stage I \(max loss\): non-finite/);
  const dry = uhop('run', 'configs/synthetic-sphere.json', '--out', out, ...args, '--set', 'featureMap.lr=1e300', '--dry-run');
  assert.match(dry.stdout, /\n  M=6, D_Φ=2, seed=1 \w+ failed before, will retry/);
});
