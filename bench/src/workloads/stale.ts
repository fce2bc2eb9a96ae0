// Stale hits: 100 keys loaded, left to go stale, then 10 callers per key at once. Each caller should get the
// stale value at once, and each key should see one background load (a slow one, 20 ms, so waiting shows).

import { median, repeatRounds } from '../measure.js'
import { TTL_MS } from '../settings.js'
import { type BenchValue, makeValue, sleep } from '../value.js'
import type { Workload } from './types.js'

const KEYS = 100
const CALLERS_PER_KEY = 10
const FRESH_MS = 100
const REFRESH_MS = 20

export const staleHit: Workload = {
  id: 'stale-hit',
  title: 'Stale hit',
  description: `Memory over Redis, ${KEYS} stale keys × ${CALLERS_PER_KEY} concurrent callers, a ${REFRESH_MS} ms refresh; ideal: all served stale at once, ${KEYS} loads.`,
  unit: 'ops/s',
  layers: 'memory+redis',
  needsStaleWhileRevalidate: true,
  idealLoads: KEYS,
  async run({ system, redis, prefix }) {
    const cache = await system.create({
      layers: 'memory+redis',
      prefix,
      redis,
      freshMs: FRESH_MS,
      ttlMs: TTL_MS,
    })
    try {
      const rounds = await repeatRounds(async (round) => {
        const keys = Array.from({ length: KEYS }, (_, i) => `stale:${round}:${i}`)
        await Promise.all(keys.map((key, i) => cache.fetch(key, async () => makeValue(i, 1))))
        await sleep(FRESH_MS + 50)
        let refreshes = 0
        const refresh = async (): Promise<BenchValue> => {
          refreshes++
          await sleep(REFRESH_MS)
          return makeValue(0, 2)
        }
        const started = performance.now()
        const calls: Promise<BenchValue | undefined>[] = []
        for (const key of keys)
          for (let c = 0; c < CALLERS_PER_KEY; c++) calls.push(cache.fetch(key, refresh))
        const values = await Promise.all(calls)
        const ms = performance.now() - started
        // Let the background refreshes finish before counting them.
        await sleep(REFRESH_MS * 5)
        const stale = values.filter((value) => value?.version === 1).length
        return { ms, loads: refreshes, stale }
      })
      const ms = median(rounds.map((r) => r.ms))
      const notes: string[] = []
      const fewestStale = Math.min(...rounds.map((r) => r.stale))
      const total = KEYS * CALLERS_PER_KEY
      if (fewestStale < total)
        notes.push(`in some round only ${fewestStale} of ${total} callers got the stale value`)
      return {
        value: (total / ms) * 1_000,
        rounds: rounds.map((r) => (total / r.ms) * 1_000),
        ms,
        loads: median(rounds.map((r) => r.loads)),
        loadsRounds: rounds.map((r) => r.loads),
        notes,
      }
    } finally {
      await cache.close()
    }
  },
}
