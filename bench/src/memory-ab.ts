// The memory tier's fresh hit, this build against another build of @tiered/store-memory (e.g. main's), both under
// this TieredCache, in one process with their rounds interleaved so that a busy machine slows both alike.
// Usage: tsx src/memory-ab.ts /path/to/other/checkout   (its packages/store-memory must be built)

import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'

const other = process.argv[2]
if (other === undefined)
  throw new TypeError('usage: tsx src/memory-ab.ts <checkout with a built store-memory>')
const otherModule = (await import(
  pathToFileURL(join(other, 'packages/store-memory/dist/index.js')).href
)) as typeof import('@tiered/store-memory')

const KEYS = Array.from({ length: 1_000 }, (_, i) => `user:${i}`)
const ROUNDS = Number(process.env.AB_ROUNDS ?? 31)
const OPS = 200_000
const queryFn = () => ({ id: 'loaded', name: 'a user', roles: ['reader'] })

async function warmCache(create: typeof createMemoryStore): Promise<TieredCache> {
  const cache = new TieredCache({ stores: [create('memory', { maxSize: 10_000 })] })
  for (const key of KEYS) await cache.swr({ queryKey: key, queryFn, fresh: '5m', ttl: '5m' })
  return cache
}

async function round(cache: TieredCache): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < OPS; i++)
    await cache.swr({ queryKey: KEYS[i % 1_000] as string, queryFn, fresh: '5m', ttl: '5m' })
  return OPS / ((performance.now() - started) / 1_000)
}

const caches = {
  this: await warmCache(createMemoryStore),
  other: await warmCache(otherModule.createMemoryStore),
}
const figures: Record<keyof typeof caches, number[]> = { this: [], other: [] }
for (let r = 0; r < ROUNDS; r++) {
  // Alternate which goes first, so neither always runs on a warmer (or colder) machine.
  const order = r % 2 === 0 ? (['this', 'other'] as const) : (['other', 'this'] as const)
  for (const which of order) figures[which].push(await round(caches[which]))
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
const [mine, theirs] = [median(figures.this), median(figures.other)]
console.log(
  `fresh memory hit, median of ${ROUNDS} interleaved rounds of ${OPS.toLocaleString('en')} swr calls`,
)
console.log(`  this build:  ${(mine / 1e6).toFixed(3)}M ops/s`)
console.log(`  ${other}: ${(theirs / 1e6).toFixed(3)}M ops/s`)
console.log(`  this / other: ${(mine / theirs).toFixed(3)}`)
for (const cache of Object.values(caches)) await cache.close()
