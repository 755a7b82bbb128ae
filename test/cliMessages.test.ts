import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

function uhop(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/uhop', ...args], { encoding: 'utf8' });
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
