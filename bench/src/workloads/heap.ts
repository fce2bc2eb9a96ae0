// Memory per entry: the memory a system's memory tier holds after its entries are loaded into it, per entry,
// measured between two full collections (the bench runs node with --expose-gc). Key and value are included, and
// so is memory outside the JS heap (typed arrays' backing stores), which a tier may keep its bookkeeping in.

import { collectGarbage, median, repeatRounds } from '../measure.js'
import { HEAP_ROUNDS, TTL_MS } from '../settings.js'
import type { CacheUnderTest } from '../systems/types.js'
import { type BenchValue, makeValue } from '../value.js'
import type { Workload } from './types.js'

const BATCH = 1_000

/** The heap and the memory outside it (ArrayBuffers, Buffers) that the process's objects hold. */
function heldMemory(): number {
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

function heapWorkload(shape: {
  id: string
  title: string
  entries: number
  what: string
  value: (i: number) => BenchValue
}): Workload {
  const { entries, value } = shape
  return {
    id: shape.id,
    title: shape.title,
    description: `Memory-only cache, ${entries.toLocaleString('en')} entries of ${shape.what} loaded: heap (and off-heap buffer) growth per entry, key and value included.`,
    unit: 'bytes/entry',
    layers: 'memory',
    async run({ system, redis, prefix }) {
      if ((globalThis as { gc?: unknown }).gc === undefined) throw new Error('heap needs node --expose-gc')
      const notes: string[] = []
      const rounds = await repeatRounds(
        async () => {
          collectGarbage()
          const before = heldMemory()
          let cache: CacheUnderTest | undefined = await system.create({
            layers: 'memory',
            prefix,
            redis,
            freshMs: TTL_MS,
            ttlMs: TTL_MS,
          })
          let loads = 0
          for (let start = 0; start < entries; start += BATCH) {
            const batch: Promise<unknown>[] = []
            for (let i = start; i < start + BATCH; i++) {
              batch.push(
                cache.fetch(`heap:${i}`, async () => {
                  loads++
                  return value(i)
                }),
              )
            }
            await Promise.all(batch)
          }
          collectGarbage()
          const bytes = (heldMemory() - before) / entries
          // Every entry must still be there, or the figure would flatter an evicting cache.
          const again = loads
          await cache.fetch('heap:0', async () => {
            loads++
            return value(0)
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
}

export const heap: Workload = heapWorkload({
  id: 'heap',
  title: 'Heap per entry',
  entries: 100_000,
  what: 'the bench value',
  value: (i) => makeValue(i),
})

/** A small object: what a tier's own bookkeeping weighs against, where a large value would hide it. */
export const heapSmall: Workload = heapWorkload({
  id: 'heap-small',
  title: 'Heap per small entry',
  entries: 200_000,
  what: 'a small object ({ id, name })',
  value: (i) => ({ id: i, name: `item ${i}` }) as unknown as BenchValue,
})
