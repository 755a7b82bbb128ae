// Preloaded by test/runs.test.ts (node --import): the first write of a file into a cells/ folder
// writes half of its bytes and then kills the process, as a kill -9 in the middle of a copy would.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const original = { writeFileSync: fs.writeFileSync, copyFileSync: fs.copyFileSync, openSync: fs.openSync, writeSync: fs.writeSync };
const inCells = (path) => /[/\\]cells[/\\][^/\\]+$/.test(String(path));
const halfAndDie = (path, data) => {
  const bytes = Buffer.from(data);
  original.writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
  process.kill(process.pid, 'SIGKILL');
};

fs.writeFileSync = (path, data, ...rest) => (inCells(path) ? halfAndDie(path, data) : original.writeFileSync(path, data, ...rest));
fs.copyFileSync = (from, to, ...rest) => (inCells(to) ? halfAndDie(to, fs.readFileSync(from)) : original.copyFileSync(from, to, ...rest));
// atomic writes go through openSync + writeSync on a temporary file in the same folder
const cellFiles = new Set();
fs.openSync = (path, ...rest) => {
  const fd = original.openSync(path, ...rest);
  if (inCells(path)) cellFiles.add(fd);
  return fd;
};
fs.writeSync = (fd, buffer, offset, length, ...rest) => {
  if (!cellFiles.has(fd)) return original.writeSync(fd, buffer, offset, length, ...rest);
  const bytes = Buffer.from(buffer);
  original.writeSync(fd, bytes, 0, bytes.length >> 1);
  process.kill(process.pid, 'SIGKILL');
};
syncBuiltinESMExports();
