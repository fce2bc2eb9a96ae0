// Deletes every key under one prefix, never the rest of the database: SCAN with MATCH on a node, then UNLINK
// what each round found, so that neither side blocks Redis for long.

import type { ScanNode } from './clients/redis-connection.js'

/** Keys asked for per SCAN round, and so the largest UNLINK batch. */
const SCAN_COUNT = 1_000
/** A billion keys' worth of rounds: only a server that never ends its cursor gets here. */
const MAX_SCAN_ROUNDS = 1_000_000

/** `text` as a Redis glob that matches only itself: `*`, `?`, `[`, `]` and `\` are escaped. */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]]/g, '\\$&')
}

/** SCANs `node` for keys matching `pattern` and hands each round's keys (as stored, byte for byte) to `unlink`. */
export async function unlinkMatching(
  node: ScanNode,
  pattern: string,
  unlink: (keys: Buffer[]) => Promise<unknown>,
): Promise<void> {
  let cursor = '0'
  for (let round = 0; round < MAX_SCAN_ROUNDS; round++) {
    const [next, keys] = await node.scan(cursor, pattern, SCAN_COUNT)
    if (keys.length > 0) await unlink(keys)
    cursor = next
    if (cursor === '0') return
  }
  throw new Error(`clear() gave up after ${MAX_SCAN_ROUNDS} SCAN rounds without the cursor ending`)
}
