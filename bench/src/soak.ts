// A bounded soak (not a unit test): about a minute of random keys over memory + Redis, with swr, set and delete
// from 64 callers, then the heap is compared with the heap of a full memory tier. Exits 1 if it grew past it.
// Usage: pnpm soak   (SOAK_SECONDS=60 by default)

import { TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisStore } from '@tiered/store-redis'
import { startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60)
const MEMORY_ENTRIES = 5_000
const KEY_SPACE = 1_000_000
const CALLERS = 64
const WARM_UP_SECONDS = 5
// The bound: an empty cache plus a full memory tier (quick-lru holds up to twice maxSize while it rotates), and
// as much again for what a steady state holds besides (the calls in flight, client buffers, compiled code). A leak
// of a few bytes a call crosses it well within the minute's millions of calls.
const ALLOWANCE = 2

if (!Number.isFinite(SECONDS) || SECONDS <= 0 || SECONDS > 3_600) {
  throw new RangeError(
    `SOAK_SECONDS must be a number of seconds from 1 to 3600, got ${process.env.SOAK_SECONDS}`,
  )
}
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with node --expose-gc (pnpm soak does)')

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) (gc as () => void)()
  // With what the heap's objects hold outside it: the memory tier keeps its bookkeeping in typed arrays.
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`
const value = (n: number) => ({ id: n, name: `user ${n}`, tags: ['soak', String(n % 97)], score: n / 7 })

const server = await startRedisServer()
const redis = new Redis({ host: server.host, port: server.port })
redis.on('error', () => {})
let exitCode = 0
try {
  const errors = { count: 0 }
  const cache = new TieredCache({
    stores: [
      createMemoryStore('memory', { maxSize: MEMORY_ENTRIES }),
      createRedisStore('redis', redis, { keyPrefix: 'soak:' }),
    ],
    defaultTtl: '5s',
    defaultFresh: '1s',
    onError: () => errors.count++,
  })
  const before = heapAfterGc()
  // Fill the memory tier to twice its size (what quick-lru may hold), so the baseline is a full tier.
  for (let i = 0; i < MEMORY_ENTRIES * 2; i++) await cache.set(`fill:${i}`, value(i))
  const full = heapAfterGc()
  const tierBytes = full - before

  let calls = 0
  let rejected = 0
  let until = 0
  const worker = async () => {
    while (performance.now() < until) {
      const key = `k${Math.floor(Math.random() * KEY_SPACE)}`
      const dice = Math.random()
      try {
        if (dice < 0.9) await cache.swr({ queryKey: key, queryFn: async () => value(calls) })
        else if (dice < 0.95) await cache.set(key, value(calls))
        else await cache.delete(key)
      } catch {
        rejected++
      }
      calls++
    }
  }
  const run = async (seconds: number) => {
    until = performance.now() + seconds * 1_000
    await Promise.all(Array.from({ length: CALLERS }, worker))
    // Let the tiers' deadline sweeps drop the calls that just finished.
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  await run(WARM_UP_SECONDS)
  const warm = heapAfterGc()
  let highest = warm
  const progress = setInterval(() => {
    const heap = heapAfterGc()
    highest = Math.max(highest, heap)
    console.log(`  ${calls} calls, heap after a full GC ${mb(heap)}`)
  }, 10_000)
  await run(SECONDS)
  clearInterval(progress)
  const after = heapAfterGc()
  highest = Math.max(highest, after)
  const bound = before + tierBytes * ALLOWANCE

  console.log(`soak: ${SECONDS}s, ${calls} calls from ${CALLERS} callers over ${KEY_SPACE} keys`)
  console.log(`  rejected calls: ${rejected}; errors reported by the cache: ${errors.count}`)
  console.log(`  heap empty ${mb(before)}, with a full memory tier ${mb(full)} (a tier: ${mb(tierBytes)})`)
  console.log(
    `  heap after ${WARM_UP_SECONDS}s of warm-up ${mb(warm)}, highest ${mb(highest)}, after ${mb(after)}`,
  )
  console.log(`  bound (empty + ${ALLOWANCE}× a full tier): ${mb(bound)}`)
  const stats = cache.stats()
  console.log(`  stats: ${JSON.stringify({ ...stats, tiers: undefined })}`)
  if (highest > bound) {
    console.error(`FAIL: the heap grew to ${mb(highest)}, past the memory tier's bound of ${mb(bound)}`)
    exitCode = 1
  } else if (rejected > 0) {
    console.error(`FAIL: ${rejected} calls were rejected`)
    exitCode = 1
  } else {
    console.log('ok: the heap stayed within the memory tier bound and no call was rejected')
  }
  await cache.close()
} finally {
  redis.disconnect()
  await server.stop()
}
process.exit(exitCode)
