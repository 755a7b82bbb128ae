/**
 * A headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: fd 3 in,
 * fd 4 out, NUL-separated JSON), with no npm dependency: loads a page from disk, collects console
 * errors, exceptions, log errors and every request that is not file:/data:/about:, and answers
 * questions about the page (Runtime.evaluate), real mouse input and screenshots.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';

/** UHOP_BROWSER ("none": no browser test), else the usual Chromium / Chrome paths; null when none is installed. */
export function findBrowser(): string | null {
  if (process.env.UHOP_BROWSER === 'none') return null;
  const candidates = [process.env.UHOP_BROWSER, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
  return candidates.find((path): path is string => !!path && existsSync(path)) ?? null;
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

export interface PageEvents {
  consoleErrors: string[];
  exceptions: string[];
  logErrors: string[];
  /** URLs the page asked for other than its own file and data:/about:/blob: URLs. */
  requests: string[];
}

export class Browser {
  private nextId = 1;
  private pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private buffer = '';
  private sessionId = '';
  readonly events: PageEvents = { consoleErrors: [], exceptions: [], logErrors: [], requests: [] };

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const output = child.stdio[4] as Readable;
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => this.receive(chunk));
    child.on('exit', () => {
      for (const { reject } of this.pending.values()) reject(new Error('the browser exited'));
      this.pending.clear();
    });
  }

  static async launch(executable: string, width = 1280, height = 900): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), 'uhop-browser-'));
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      // no name resolves: a request that leaves the page fails instead of reaching the network
      '--host-resolver-rules=MAP * ~NOTFOUND',
      `--user-data-dir=${profile}`,
      `--window-size=${width},${height}`,
      '--remote-debugging-pipe',
      'about:blank',
    ];
    const child = spawn(executable, args, { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    const browser = new Browser(child, profile);
    const { targetInfos } = (await browser.send('Target.getTargets')) as { targetInfos: Array<{ targetId: string; type: string }> };
    const page = targetInfos.find((t) => t.type === 'page');
    const targetId = page ? page.targetId : ((await browser.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string }).targetId;
    const { sessionId } = (await browser.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    browser.sessionId = sessionId;
    for (const domain of ['Runtime', 'Log', 'Network', 'Page']) await browser.page(`${domain}.enable`);
    await browser.page('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    return browser;
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(this.buffer.slice(0, end)) as Message;
      this.buffer = this.buffer.slice(end + 1);
      if (message.id !== undefined) {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message);
      } else if (message.method) {
        this.onEvent(message.method, message.params ?? {});
      }
    }
  }

  private onEvent(method: string, params: Record<string, any>): void {
    if (method === 'Runtime.consoleAPICalled' && (params.type === 'error' || params.type === 'assert')) {
      this.events.consoleErrors.push(params.args.map((a: { value?: unknown; description?: string }) => a.value ?? a.description).join(' '));
    } else if (method === 'Runtime.exceptionThrown') {
      this.events.exceptions.push(params.exceptionDetails.exception?.description ?? params.exceptionDetails.text);
    } else if (method === 'Log.entryAdded' && params.entry.level === 'error') {
      this.events.logErrors.push(`${params.entry.source}: ${params.entry.text} ${params.entry.url ?? ''}`.trim());
    } else if (method === 'Network.requestWillBeSent' && !/^(file|data|about|blob):/.test(params.request.url)) {
      this.events.requests.push(params.request.url);
    }
  }

  /** A command to the browser itself (no session). */
  send(method: string, params: object = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const input = this.child.stdio[3] as Writable;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (m) => resolve(m.result ?? {}), reject });
      input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  /** A command to the page's session. */
  page(method: string, params: object = {}): Promise<Record<string, unknown>> {
    return this.send(method, params, this.sessionId);
  }

  /** The value of a JavaScript expression in the page (awaited when it is a promise). */
  async evaluate<T>(expression: string): Promise<T> {
    const result = (await this.page('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })) as {
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (result.exceptionDetails) throw new Error(result.exceptionDetails.exception?.description ?? result.exceptionDetails.text);
    return result.result.value as T;
  }

  /** Opens `file` and waits until `ready` (an expression) is true, or `timeoutMs` passed. */
  async open(file: string, ready: string, timeoutMs = 60_000): Promise<boolean> {
    await this.page('Page.navigate', { url: pathToFileURL(file).href });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await this.evaluate<boolean>(`Boolean(${ready})`).catch(() => false)) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  /** A real mouse move or click at page coordinates (what vega's hover and legend handlers see). */
  async mouse(type: 'mouseMoved' | 'click', x: number, y: number): Promise<void> {
    if (type === 'mouseMoved') {
      await this.page('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
      return;
    }
    await this.page('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
    await this.page('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', clickCount: 1 });
    await this.page('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', clickCount: 1 });
  }

  /** A PNG of the whole page (not only the window), or of `region` of it. */
  async screenshot(path: string, region?: { y: number; height: number }): Promise<void> {
    const size = await this.evaluate<{ width: number; height: number }>('({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight })');
    const clip = { x: 0, y: region?.y ?? 0, width: size.width, height: region?.height ?? size.height, scale: 1 };
    const { data } = (await this.page('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip })) as { data: string };
    writeFileSync(path, Buffer.from(data, 'base64'));
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.send('Browser.close').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(this.profile, { recursive: true, force: true });
  }
}
