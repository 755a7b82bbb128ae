/** The user's cache folder for uhop: UHOP_CACHE_DIR, else $XDG_CACHE_HOME/uhop or ~/.cache/uhop. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheFolder(): string {
  return process.env.UHOP_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'uhop');
}
