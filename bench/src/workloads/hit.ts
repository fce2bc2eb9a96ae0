// Hits on warm keys: 1 000 keys loaded once, then callers read them over and over; any load during the timed
// rounds is a miss that should not happen and is reported.

import { measureThroughput } from '../measure.js'
import { TTL_MS } from '../settings.js'
import type { Layers } from '../systems/types.js'
import { itemKey, makeValue } from '../value.js'
import type { Workload } from './types.js'

const KEYS = 1_000

function hitWorkload(
  id: string,
  title: string,
  description: string,
  layers: Layers,
  callers: number,
): Workload {
  return {
    id,
    title,
    description,
    unit: 'ops/s',
    layers,
    async run({ system, redis, prefix }) {
      const cache = await system.create({ layers, prefix, redis, freshMs: TTL_MS, ttlMs: TTL_MS })
      try {
        const keys = Array.from({ length: KEYS }, (_, i) => itemKey(i))
        let loads = 0
        for (let i = 0; i < KEYS; i++) {
          await cache.fetch(keys[i] as string, async () => {
            loads++
            return makeValue(i)
          })
        }
        const primed = loads
        const unexpected = async () => {
          loads++
          return makeValue(-1)
        }
        const figure = await measureThroughput({
          callers,
          // One caller walks all keys; of many, worker w takes keys w, w + callers, w + 2 callers, ...
          op: (w, n) => cache.fetch(keys[(w + n * callers) % KEYS] as string, unexpected),
          batch: callers === 1 ? (layers === 'memory' ? 64 : 8) : 1,
        })
        const notes: string[] = []
        if (primed !== KEYS) notes.push(`${primed} loads to prime ${KEYS} keys`)
        if (loads !== primed)
          notes.push(`${loads - primed} loads during the timed rounds (misses on warm keys)`)
        const check = await cache.fetch(keys[7] as string, unexpected)
        if (check?.id !== 7) notes.push(`read back the wrong value for ${keys[7]}: ${JSON.stringify(check)}`)
        return { value: figure.median, rounds: figure.rounds, notes }
      } finally {
        await cache.close()
      }
    },
  }
}

export const l1Hit = hitWorkload(
  'l1-hit',
  'Fresh L1 hit',
  'Memory-only cache, 1 000 warm keys, one caller reading them in turn.',
  'memory',
  1,
)

export const l2Hit1 = hitWorkload(
  'l2-hit-1',
  'L2-only hit, 1 caller',
  'Redis-only cache, 1 000 warm keys, one caller; each read is a Redis round trip and a parse.',
  'redis',
  1,
)

export const l2Hit64 = hitWorkload(
  'l2-hit-64',
  'L2-only hit, 64 callers',
  'Redis-only cache, 1 000 warm keys, 64 concurrent callers each reading its share.',
  'redis',
  64,
)

export const l1l2Hit = hitWorkload(
  'l1l2-hit',
  'L1+L2 hit',
  'Memory over Redis, 1 000 keys warm in both tiers, one caller: the steady state of a two-tier cache.',
  'memory+redis',
  1,
)
