// One cold key, 1 000 callers in the same tick, a loader that takes 20 ms: how many loads, and how long until
// every caller has the value.

import { median, repeatRounds } from '../measure.js'
import { TTL_MS } from '../settings.js'
import { type BenchValue, makeValue, sleep } from '../value.js'
import type { Workload } from './types.js'

const CALLERS = 1_000
export const STAMPEDE_LOAD_MS = 20

export const stampede: Workload = {
  id: 'stampede',
  title: 'Stampede, 1 process',
  description: `Memory over Redis, ${CALLERS} concurrent callers on one cold key, a ${STAMPEDE_LOAD_MS} ms loader; ideal: 1 load.`,
  unit: 'ops/s',
  layers: 'memory+redis',
  idealLoads: 1,
  async run({ system, redis, prefix }) {
    const cache = await system.create({
      layers: 'memory+redis',
      prefix,
      redis,
      freshMs: TTL_MS,
      ttlMs: TTL_MS,
    })
    try {
      const rounds = await repeatRounds(async (round) => {
        let loads = 0
        const load = async (): Promise<BenchValue> => {
          loads++
          await sleep(STAMPEDE_LOAD_MS)
          return makeValue(round)
        }
        const key = `stampede:${round}`
        const started = performance.now()
        const calls: Promise<BenchValue | undefined>[] = []
        for (let c = 0; c < CALLERS; c++) calls.push(cache.fetch(key, load))
        const values = await Promise.all(calls)
        const ms = performance.now() - started
        const wrong = values.filter((value) => value?.id !== round).length
        return { ms, loads, wrong }
      })
      const notes: string[] = []
      const wrong = rounds.reduce((sum, r) => sum + r.wrong, 0)
      if (wrong > 0) notes.push(`${wrong} callers got a wrong or missing value`)
      const ms = median(rounds.map((r) => r.ms))
      return {
        value: (CALLERS / ms) * 1_000,
        rounds: rounds.map((r) => (CALLERS / r.ms) * 1_000),
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
