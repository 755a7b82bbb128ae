/**
 * One HTTP GET for a download: redirects are followed on the host asked for only (a redirect to
 * another host is refused and named, so data never comes from a host the user did not choose), and
 * an idle watchdog aborts the request when no data arrives for a while (a stalled server or a
 * silently dropped connection would otherwise hang `uhop data fetch` for ever).
 */
import { UserError } from '../errors.ts';

export const defaultIdleTimeoutSeconds = 30;
const maxRedirects = 5;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** Aborts its signal after `seconds` without a call to alive(). */
export class IdleWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  fired = false;

  constructor(readonly seconds: number) {
    this.alive();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  alive(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort();
    }, Math.min(this.seconds * 1000, 2 ** 31 - 1)); // setTimeout fires at once beyond ~24.8 days
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** "fetch failed: connect ECONNREFUSED 127.0.0.1:9" from an error and its cause. */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : '';
  return cause && cause !== error.message ? `${error.message}: ${cause}` : error.message;
}

/** GET `url`, following redirects that stay on its host; the response's body is left to the caller. */
export async function getFollowingSameHost(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
  const asked = new URL(url);
  let current = asked;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    const response = await fetch(current, { headers, signal, redirect: 'manual' });
    if (!redirectStatuses.has(response.status)) return response;
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (!location) throw new UserError(`cannot download ${current.href}: HTTP ${response.status} redirect without a Location header`);
    const next = new URL(location, current);
    if (next.hostname !== asked.hostname) {
      throw new UserError(
        `${asked.href} redirects to another host, ${next.hostname} (${next.href}); not followed. ` +
          `If you trust ${next.hostname}, download from it explicitly: --mirror ${new URL('.', next).href} (the sha256 is checked either way)`,
      );
    }
    if (asked.protocol === 'https:' && next.protocol !== 'https:') {
      throw new UserError(`${asked.href} redirects from https to ${next.protocol.replace(':', '')} (${next.href}); not followed`);
    }
    current = next;
  }
  throw new UserError(`cannot download ${url}: more than ${maxRedirects} redirects`);
}
