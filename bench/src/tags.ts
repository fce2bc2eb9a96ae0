// The tag workloads, part of `pnpm bench` (short): a fresh memory hit of a tagged entry against an untagged one
// (goal: at least 0.5×), and the time of deleteByTag over 10 000 tagged entries against 100 (goal: equal within
// noise). Starts its own redis-server on a free loopback port and stops it.

import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type CacheStore, TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisStore } from '@tiered/store-redis'
import { startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'

const ROUNDS = 5
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 200)
const KEYS = Array.from({ length: 1_000 }, (_, i) => `user:${i}`)
const DELETES = 200
const REPEATS = 3

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

/** Awaited swr calls per second on fresh memory hits, median of ROUNDS rounds. */
async function hitsPerSecond(cache: TieredCache, tags: readonly string[] | undefined): Promise<number> {
  const queryFn = () => ({ id: 'loaded' })
  const options = tags === undefined ? {} : { tags }
  for (const key of KEYS) await cache.swr({ queryKey: key, queryFn, ...options })
  const rounds: number[] = []
  let i = 0
  for (let round = 0; round < ROUNDS + 1; round++) {
    let calls = 0
    const from = performance.now()
    const until = from + ROUND_MS
    while (performance.now() < until) {
      for (let n = 0; n < 1_000; n++) {
        await cache.swr({ queryKey: KEYS[i++ % 1_000] as string, queryFn, ...options })
      }
      calls += 1_000
    }
    // The first round warms the JIT up.
    if (round > 0) rounds.push(calls / ((performance.now() - from) / 1_000))
  }
  return median(rounds)
}

/** A cache over Redis holding `count` entries tagged `tag-<count>`. */
async function filledCache(redis: Redis, count: number): Promise<TieredCache> {
  const prefix = `bench:tags:${count}:`
  const cache = new TieredCache({
    stores: [
      createMemoryStore('memory', { maxSize: 20_000 }),
      createRedisStore('redis', redis, { keyPrefix: prefix }),
    ],
  })
  for (let from = 0; from < count; from += 1_000) {
    const batch: Promise<void>[] = []
    for (let i = from; i < Math.min(count, from + 1_000); i++)
      batch.push(cache.set(`k${i}`, i, { tags: [`tag-${count}`] }))
    await Promise.all(batch)
  }
  return cache
}

/**
 * Milliseconds of one deleteByTag over 100 and over 10 000 tagged entries: calls alternate between the two caches
 * (after a warm-up), median of DELETES calls each.
 */
async function deleteByTagMs(redis: Redis): Promise<[number, number]> {
  const caches = [await filledCache(redis, 100), await filledCache(redis, 10_000)]
  const times: [number[], number[]] = [[], []]
  for (let n = 0; n < DELETES + 10; n++) {
    for (const [index, cache] of caches.entries()) {
      const from = performance.now()
      await cache.deleteByTag([`tag-${index === 0 ? 100 : 10_000}`])
      if (n >= 10) times[index]?.push(performance.now() - from)
    }
  }
  for (const cache of caches) {
    if ((await cache.get('k0')) !== undefined) throw new Error('deleteByTag left k0 in place')
    await cache.close()
  }
  return [median(times[0]), median(times[1])]
}

/** One hit figure, measured in a fresh process so that no case inherits another's JIT state. */
function hitInChild(layers: 'memory' | 'redis', tagged: boolean, redisUrl: string): number {
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      'hit',
      layers,
      tagged ? 'tagged' : 'untagged',
      redisUrl,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  )
  return Number(out.trim().split('\n').pop())
}

async function hitChild(layers: string, tagged: boolean, redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl)
  const stores: CacheStore[] = [createMemoryStore('memory')]
  if (layers === 'redis')
    stores.push(createRedisStore('redis', redis, { keyPrefix: `bench:tags:hit:${tagged}:` }))
  const cache = new TieredCache({ stores })
  const figure = await hitsPerSecond(cache, tagged ? ['tenant:1', 'user'] : undefined)
  await cache.close()
  redis.disconnect()
  console.log(Math.round(figure))
}

async function main(): Promise<void> {
  console.log(
    '\nTags: fresh memory hits (awaited swr, each case in a fresh process) and deleteByTag over Redis',
  )
  const server = await startRedisServer()
  const redis = new Redis(server.url)
  try {
    for (const layers of ['memory', 'redis'] as const) {
      const untagged: number[] = []
      const tagged: number[] = []
      // Alternating runs, median of each: the machine's load drifts less between neighbours.
      for (let run = 0; run < REPEATS; run++) {
        untagged.push(hitInChild(layers, false, server.url))
        tagged.push(hitInChild(layers, true, server.url))
      }
      const [plain, withTags] = [median(untagged), median(tagged)]
      const ratio = withTags / plain
      const label = layers === 'memory' ? 'memory' : 'memory over Redis'
      console.log(
        `  ${label.padEnd(18)} untagged ${Math.round(plain).toLocaleString('en')} ops/s, tagged (2 tags) ${Math.round(withTags).toLocaleString('en')} ops/s: ${ratio.toFixed(2)}x (goal >= 0.5x)${ratio < 0.5 ? ' MISSED' : ''}`,
      )
    }
    const [small, large] = await deleteByTagMs(redis)
    console.log(
      `  deleteByTag over Redis: 100 tagged entries ${small.toFixed(3)} ms, 10 000 tagged entries ${large.toFixed(3)} ms (median of ${DELETES} each, alternating): ${(large / small).toFixed(2)}x (goal: equal within noise)`,
    )
  } finally {
    redis.disconnect()
    await server.stop()
  }
}

const [mode, layers, tagged, url] = process.argv.slice(2)
if (mode === 'hit') await hitChild(layers as string, tagged === 'tagged', url as string)
else await main()
