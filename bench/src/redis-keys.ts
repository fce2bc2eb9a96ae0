// Cleaning up between workloads by prefix only: each (workload, system) pair writes under its own prefix, and
// the runner counts and then deletes exactly those keys. No FLUSHDB, so nothing else in the server is touched.

import type { Redis } from 'ioredis'

/** Most SCAN calls for one prefix: a bound, far above what a run writes. */
const MAX_SCANS = 100_000

/** Deletes every key under `prefix` and returns how many there were. */
export async function deletePrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0'
  let deleted = 0
  for (let scans = 0; scans < MAX_SCANS; scans++) {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000)
    if (keys.length > 0) deleted += await client.unlink(...keys)
    cursor = next
    if (cursor === '0') break
  }
  return deleted
}

/** Up to `limit` keys of the whole server, to show what a run left outside its prefixes. */
export async function sampleKeys(client: Redis, limit: number): Promise<{ count: number; sample: string[] }> {
  const count = await client.dbsize()
  const [, sample] = await client.scan('0', 'COUNT', 1_000)
  return { count, sample: sample.slice(0, limit) }
}
