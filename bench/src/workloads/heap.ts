// Memory per entry: the heap a system's memory tier holds after 100 000 entries are loaded into it, per entry,
// measured between two full collections (the bench runs node with --expose-gc). Key and value are included.

import { collectGarbage, median, repeatRounds } from '../measure.js'
import { HEAP_ROUNDS, TTL_MS } from '../settings.js'
import type { CacheUnderTest } from '../systems/types.js'
import { makeValue } from '../value.js'
import type { Workload } from './types.js'

const ENTRIES = 100_000
const BATCH = 1_000

export const heap: Workload = {
  id: 'heap',
  title: 'Heap per entry',
  description: `Memory-only cache, ${ENTRIES.toLocaleString('en')} entries of the bench value loaded: heap growth per entry, key and value included.`,
  unit: 'bytes/entry',
  layers: 'memory',
  async run({ system, redis, prefix }) {
    if ((globalThis as { gc?: unknown }).gc === undefined) throw new Error('heap needs node --expose-gc')
    const notes: string[] = []
    const rounds = await repeatRounds(
      async () => {
        collectGarbage()
        const before = process.memoryUsage().heapUsed
        let cache: CacheUnderTest | undefined = await system.create({
          layers: 'memory',
          prefix,
          redis,
          freshMs: TTL_MS,
          ttlMs: TTL_MS,
        })
        let loads = 0
        for (let start = 0; start < ENTRIES; start += BATCH) {
          const batch: Promise<unknown>[] = []
          for (let i = start; i < start + BATCH; i++) {
            batch.push(
              cache.fetch(`heap:${i}`, async () => {
                loads++
                return makeValue(i)
              }),
            )
          }
          await Promise.all(batch)
        }
        collectGarbage()
        const bytes = (process.memoryUsage().heapUsed - before) / ENTRIES
        // Every entry must still be there, or the figure would flatter an evicting cache.
        const again = loads
        await cache.fetch('heap:0', async () => {
          loads++
          return makeValue(0)
        })
        if (loads !== again && notes.length === 0) notes.push('the first entry was gone after loading all')
        await cache.close()
        cache = undefined
        return bytes
      },
      { warmupRounds: 0, rounds: HEAP_ROUNDS },
    )
    return { value: median(rounds), rounds, notes }
  },
}
