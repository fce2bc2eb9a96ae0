// Misses written through: memory over Redis, 64 callers each asking for keys nobody asked for before, so every
// call reads both tiers, loads, and writes the value to both tiers.

import { measureThroughput } from '../measure.js'
import { TTL_MS } from '../settings.js'
import { makeValue } from '../value.js'
import type { Workload } from './types.js'

const CALLERS = 64

export const l1l2Miss64: Workload = {
  id: 'l1l2-miss-64',
  title: 'L1+L2 miss, 64 callers',
  description:
    'Memory over Redis, 64 concurrent callers, every key new: read both tiers, load (at once), write both.',
  unit: 'ops/s',
  layers: 'memory+redis',
  async run({ system, redis, prefix }) {
    const cache = await system.create({
      layers: 'memory+redis',
      prefix,
      redis,
      freshMs: TTL_MS,
      ttlMs: TTL_MS,
    })
    try {
      let loads = 0
      let calls = 0
      const value = makeValue(1)
      const load = async () => {
        loads++
        return value
      }
      const figure = await measureThroughput({
        callers: CALLERS,
        op: (w, n) => {
          calls++
          return cache.fetch(`miss:${w}:${n}`, load)
        },
      })
      const notes: string[] = []
      if (loads !== calls) notes.push(`${loads} loads for ${calls} calls on unique keys`)
      return { value: figure.median, rounds: figure.rounds, notes }
    } finally {
      await cache.close()
    }
  },
}
