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
