import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fetchDataset } from '../src/data/fetch.ts';
import type { CatalogDataset } from '../src/data/catalog.ts';
import { UserError } from '../src/errors.ts';

const work = mkdtempSync(join(tmpdir(), 'uhop-download-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

const body = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A loopback server; `handle` answers each request (Range requests for `body` are answered in full by `serveBody`). */
async function serve(handle: (url: string, headers: IncomingHttpHeaders, response: ServerResponse, port: number) => void) {
  const requests: Array<{ url: string; range?: string }> = [];
  const server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', range: request.headers.range });
    handle(request.url ?? '', request.headers, response, (server.address() as AddressInfo).port);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

function serveBody(headers: IncomingHttpHeaders, response: ServerResponse): void {
  const start = Number(/bytes=(\d+)-/.exec(headers.range ?? '')?.[1] ?? 0);
  response.writeHead(start ? 206 : 200, { 'content-length': body.length - start }).end(body.subarray(start));
}

const dataset = (url: string): CatalogDataset => ({
  name: 'mnist-full',
  url,
  splits: { train: [{ name: 'file.bin', sha256: sha256(body) }], test: [] },
  subfolders: [''],
  alternatives: [],
});

const userError = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof UserError, `a UserError, got ${String(error)}`);
  assert.match(error.message, pattern);
  return true;
};

test('a server that stalls mid-body: clear message after the idle timeout, .part kept, the next fetch resumes', { timeout: 30_000 }, async () => {
  const stalling = await serve((_url, _headers, response) => {
    response.writeHead(200, { 'content-length': body.length });
    response.write(body.subarray(0, 40)); // … and nothing more
  });
  const dataDir = join(work, 'stall');
  const part = join(dataDir, 'mnist-full', 'file.bin.part');
  try {
    const started = Date.now();
    await assert.rejects(
      fetchDataset(dataset(stalling.url), { dataDir, splits: ['train'], idleTimeoutSeconds: 1 }),
      userError(/file\.bin: no data from 127\.0\.0\.1:\d+ for 1 s .*40 bytes received are kept in .*file\.bin\.part.*run the same command again to resume/),
    );
    assert.ok(Date.now() - started < 10_000, 'gave up soon after the idle timeout');
    assert.equal(statSync(part).size, 40);
  } finally {
    stalling.close();
  }
  const good = await serve((_url, headers, response) => serveBody(headers, response));
  try {
    await fetchDataset(dataset(good.url), { dataDir, splits: ['train'], idleTimeoutSeconds: 5 });
    assert.equal(good.requests[0].range, 'bytes=40-');
    assert.deepEqual(readFileSync(join(dataDir, 'mnist-full', 'file.bin')), body);
    assert.equal(existsSync(part), false);
  } finally {
    good.close();
  }
});

test('a server that never answers: the idle timeout covers the wait for the headers too', { timeout: 30_000 }, async () => {
  const silent = await serve(() => {});
  try {
    await assert.rejects(
      fetchDataset(dataset(silent.url), { dataDir: join(work, 'silent'), splits: ['train'], idleTimeoutSeconds: 0.3 }),
      userError(/file\.bin: no data from 127\.0\.0\.1:\d+ for 0\.3 s/),
    );
  } finally {
    silent.close();
  }
});

test('a connection cut mid-body: clear message, .part kept for the resume', { timeout: 30_000 }, async () => {
  const cutting = await serve((_url, _headers, response) => {
    response.writeHead(200, { 'content-length': body.length });
    response.write(body.subarray(0, 40), () => setTimeout(() => response.socket?.destroy(), 50));
  });
  const dataDir = join(work, 'cut');
  try {
    await assert.rejects(
      fetchDataset(dataset(cutting.url), { dataDir, splits: ['train'], idleTimeoutSeconds: 5 }),
      userError(/file\.bin: the connection to 127\.0\.0\.1:\d+ broke after 40 of 100 bytes .*kept in .*file\.bin\.part/),
    );
    assert.equal(statSync(join(dataDir, 'mnist-full', 'file.bin.part')).size, 40);
    assert.equal(existsSync(join(dataDir, 'mnist-full', 'file.bin')), false);
  } finally {
    cutting.close();
  }
});

test('a redirect to another host is refused and named; one on the same host is followed', { timeout: 30_000 }, async () => {
  const server = await serve((url, headers, response, port) => {
    if (url === '/elsewhere/file.bin') return void response.writeHead(302, { location: `http://localhost:${port}/files/file.bin` }).end();
    if (url === '/moved/file.bin') return void response.writeHead(301, { location: '/files/file.bin' }).end();
    if (url === '/files/file.bin') return serveBody(headers, response);
    response.writeHead(404).end();
  });
  const dataDir = join(work, 'redirect');
  try {
    await assert.rejects(
      fetchDataset(dataset(`${server.url}elsewhere/`), { dataDir, splits: ['train'] }),
      userError(new RegExp(`redirects to another host, localhost \\(http://localhost:${server.port}/files/file\\.bin\\); not followed.*--mirror http://localhost:${server.port}/files/`)),
    );
    assert.deepEqual(server.requests.map((r) => r.url), ['/elsewhere/file.bin'], 'the other host is never asked');
    assert.equal(existsSync(join(dataDir, 'mnist-full', 'file.bin')), false);
    await fetchDataset(dataset(`${server.url}moved/`), { dataDir, splits: ['train'] });
    assert.deepEqual(readFileSync(join(dataDir, 'mnist-full', 'file.bin')), body, 'same-host redirect followed, sha256 checked');
  } finally {
    server.close();
  }
});

test('fetching removes stale temporaries of dead runs from the data folder', { timeout: 30_000 }, async () => {
  const dataDir = join(work, 'stale');
  mkdirSync(join(dataDir, 'mnist-full'), { recursive: true });
  writeFileSync(join(dataDir, 'mnist-full', 'file.bin'), body);
  const stale = join(dataDir, 'mnist-full', `file.bin.${2 ** 22 + 12345}.0123456789ab.tmp`); // above Linux's pid_max
  writeFileSync(stale, 'left by a killed run');
  await fetchDataset(dataset('http://127.0.0.1:9/'), { dataDir, splits: ['train'] }); // present and verified: no request
  assert.equal(existsSync(stale), false);
});

async function uhop(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['bin/uhop', ...args], { env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on('close', resolve));
  return { code, stderr };
}

test('uhop data fetch --timeout / UHOP_FETCH_TIMEOUT: a stalled mirror exits 2 with the message, no stack; a bad value exits 2', { timeout: 30_000 }, async () => {
  const stalling = await serve((_url, _headers, response) => {
    response.writeHead(200, { 'content-length': 1000 });
    response.write(Buffer.alloc(10));
  });
  try {
    const args = ['data', 'fetch', 'mnist-full', '--mirror', stalling.url, '--data-dir', join(work, 'cli'), '--split', 'train'];
    const flag = await uhop([...args, '--timeout', '0.5']);
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(flag.stderr, /no data from 127\.0\.0\.1:\d+ for 0\.5 s/);
    assert.doesNotMatch(flag.stderr, /\n\s+at /, 'no stack trace');
    const env = await uhop(args, { UHOP_FETCH_TIMEOUT: '0.4' });
    assert.equal(env.code, 2, env.stderr);
    assert.match(env.stderr, /for 0\.4 s/);
    const bad = await uhop([...args, '--timeout', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--timeout must be a positive number of seconds, got "soon"/);
  } finally {
    stalling.close();
  }
});
