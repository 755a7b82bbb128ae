/**
 * Row blocks for work whose intermediates are (rows × columns): a single block while that is at
 * most ~128 MB of float32, so the usual sizes run in one piece (and give the same numbers as
 * always), and blocks of rows beyond, so the full-size experiments (60,000 memories × 10,000
 * queries) fit in the wasm heap.
 */
export const BLOCK_ENTRIES = 2 ** 25;

/** The block limit: UHOP_BLOCK_ENTRIES (to trade memory for speed, or to test the blocked path), else BLOCK_ENTRIES. */
function blockLimit(): number {
  const fromEnv = Number(process.env.UHOP_BLOCK_ENTRIES);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : BLOCK_ENTRIES;
}

export function rowBlocks(rows: number, columns: number, limit = blockLimit()): Array<{ start: number; size: number }> {
  const size = rows * columns <= limit ? rows : Math.max(1, Math.floor(limit / Math.max(1, columns)));
  const blocks: Array<{ start: number; size: number }> = [];
  for (let start = 0; start < rows; start += size) blocks.push({ start, size: Math.min(size, rows - start) });
  return blocks;
}
