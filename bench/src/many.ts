// Many keys at once and validation on read, side by side in one short run (part of `pnpm bench`):
// 1. a page of 100 keys, 90 cached in memory and 10 missing, through tiered's swrMany, through 100 tiered swr calls,
//    and through @epic-web/cachified's createBatch; the source is a Redis hash (one round trip per source query:
//    HMGET for a batch, HGET for one key), so a query costs what a real one does, reached two ways: queries sent
//    together on one connection (pipelined), and one query at a time (a connection such as a pg Client, which
//    queues its queries). Figures: pages/s (median of the rounds), CPU time per page, source queries per page.
// 2. the fresh memory hit of swr with and without a `schema` option (a memory hit is never validated again).

import {
  type Cache,
  type CacheEntry as CachifiedEntry,
  cachified,
  createBatch,
  totalTtl,
} from '@epic-web/cachified'
import { type ManyQueryFunctionContext, type StandardSchemaV1, TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'
import { bench, do_not_optimize, run, summary } from 'mitata'

const PAGE = 100
const MISSING = 10
const ROUNDS = Number(process.env.BENCH_MANY_ROUNDS ?? 5)
const ROUND_MS = Number(process.env.BENCH_MANY_ROUND_MS ?? 400)
const CAPACITY = 1_000_000
const SOURCE = 'bench:many:source'

interface Item {
  id: string
  price: number
}

const server = await startRedisServer()
const redis = new Redis({ host: server.host, port: server.port })
let queries = 0
/** True: the source runs one query at a time; false: queries go out together. */
let oneAtATime = false
let line: Promise<unknown> = Promise.resolve()
function send<T>(query: () => Promise<T>): Promise<T> {
  queries++
  if (!oneAtATime) return query()
  const turn = line.then(query)
  line = turn.catch(() => undefined)
  return turn
}
const item = (key: string, price: string | null): Item => ({ id: key, price: Number(price ?? 1) })
/** The source: one HMGET for many keys, in their order. */
async function queryMany(keys: readonly string[]): Promise<Item[]> {
  const prices = await send(() => redis.hmget(SOURCE, ...keys))
  return keys.map((key, i) => item(key, prices[i] ?? null))
}
/** The source: one HGET for one key. */
async function queryOne(key: string): Promise<Item> {
  return item(key, await send(() => redis.hget(SOURCE, key)))
}

/** The 90 keys every page shares (cached), and 10 that no page asked for before (missing). */
const cachedKeys = Array.from({ length: PAGE - MISSING }, (_, i) => `item:${i}`)
let pageNo = 0
function nextPage(): string[] {
  pageNo++
  const keys = [...cachedKeys]
  for (let j = 0; j < MISSING; j++) keys.splice(j * 10 + 5, 0, `new:${pageNo}:${j}`)
  return keys
}

type PageFn = (keys: string[]) => Promise<unknown[]>

function tieredCache() {
  return new TieredCache({ stores: [createMemoryStore('memory', { maxSize: CAPACITY })], defaultTtl: '5m' })
}

const swrManyCache = tieredCache()
const bulk = ({ keys }: ManyQueryFunctionContext) => queryMany(keys)
const throughSwrMany: PageFn = (keys) => swrManyCache.swrMany({ queryKeys: keys, queryFn: bulk })

const swrCache = tieredCache()
const one = ({ key }: { key: string }) => queryOne(key)
const throughSwr: PageFn = (keys) =>
  Promise.all(keys.map((key) => swrCache.swr({ queryKey: key, queryFn: one })))

const lru = new LRUCache<string, CachifiedEntry>({ max: CAPACITY })
const lruCache: Cache = {
  set(key, value) {
    const ttl = totalTtl(value?.metadata)
    return lru.set(key, value, {
      ttl: ttl === Number.POSITIVE_INFINITY ? undefined : ttl,
      start: value?.metadata?.createdTime,
    })
  },
  get: (key) => lru.get(key),
  delete: (key) => lru.delete(key),
}
const throughCachified: PageFn = (keys) => {
  const batch = createBatch((ids: string[]) => queryMany(ids))
  return Promise.all(
    keys.map((key) => cachified({ key, cache: lruCache, getFreshValue: batch.add(key), ttl: 300_000 })),
  )
}

interface PageResult {
  label: string
  pagesPerSecond: number
  cpuMicrosPerPage: number
  queriesPerPage: number
  rounds: number[]
}

/** Measures the systems in turns (a round of each, then the next round of each), so drift hits all alike. */
async function measurePages(systems: readonly { label: string; page: PageFn }[]): Promise<PageResult[]> {
  const tallies = systems.map(({ label }) => ({
    label,
    rounds: [] as number[],
    pages: 0,
    cpu: 0,
    queries: 0,
  }))
  for (const { label, page } of systems) {
    const first = nextPage()
    const check = await page(first)
    if (check.length !== PAGE || (check[5] as Item).id !== first[5]) throw new Error(`${label}: wrong answer`)
  }
  // Round -1 warms up the JIT and the connection.
  for (let round = -1; round < ROUNDS; round++) {
    for (const [index, { page }] of systems.entries()) {
      const tally = tallies[index] as (typeof tallies)[number]
      queries = 0
      const start = performance.now()
      const cpuStart = process.cpuUsage()
      let done = 0
      while (performance.now() - start < ROUND_MS) {
        await page(nextPage())
        done++
      }
      if (round === -1) continue
      const used = process.cpuUsage(cpuStart)
      tally.cpu += used.user + used.system
      tally.pages += done
      tally.queries += queries
      tally.rounds.push(done / ((performance.now() - start) / 1_000))
    }
  }
  return tallies.map((tally) => {
    const sorted = [...tally.rounds].sort((a, b) => a - b)
    return {
      label: tally.label,
      pagesPerSecond: sorted[Math.floor(sorted.length / 2)] as number,
      cpuMicrosPerPage: tally.cpu / tally.pages,
      queriesPerPage: tally.queries / tally.pages,
      rounds: tally.rounds,
    }
  })
}

try {
  for (const cache of [swrManyCache, swrCache]) {
    await cache.swrMany({ queryKeys: cachedKeys, queryFn: bulk })
  }
  await Promise.all(
    cachedKeys.map((key) =>
      cachified({ key, cache: lruCache, getFreshValue: () => queryOne(key), ttl: 300_000 }),
    ),
  )
  for (const serial of [false, true]) {
    oneAtATime = serial
    console.log(
      `\nA page of ${PAGE} keys, ${PAGE - MISSING} cached in memory and ${MISSING} missing; the source (a Redis hash) ` +
        (serial ? 'runs one query at a time' : 'takes queries together'),
    )
    const results = await measurePages([
      { label: 'tiered swrMany', page: throughSwrMany },
      { label: `tiered swr x ${PAGE} (Promise.all)`, page: throughSwr },
      { label: 'cachified + createBatch', page: throughCachified },
    ])
    const swrFigure = (results[1] as PageResult).pagesPerSecond
    for (const result of results) {
      console.log(
        `  ${result.label.padEnd(36)} ${result.pagesPerSecond.toFixed(0).padStart(6)} pages/s ` +
          `(${(result.pagesPerSecond / swrFigure).toFixed(2)}x the swr calls)  ` +
          `${result.cpuMicrosPerPage.toFixed(0).padStart(5)} µs CPU/page  ${result.queriesPerPage.toFixed(2)} source queries/page`,
      )
    }
  }

  console.log('\nThe fresh memory hit, with and without a schema')
  const schema: StandardSchemaV1<unknown, Item> = {
    '~standard': {
      version: 1,
      vendor: 'bench',
      validate: (value) => {
        throw new Error(`a memory hit was validated: ${JSON.stringify(value)}`)
      },
    },
  }
  const hitCache = tieredCache()
  const KEYS = Array.from({ length: 1_000 }, (_, i) => `user:${i}`)
  const load = ({ key }: { key: string }) => item(key, null)
  for (const key of KEYS) await hitCache.swr({ queryKey: key, queryFn: load })
  let i = 0
  // The pair runs twice; the first pass warms both up.
  for (const pass of ['warm-up', 'measured'])
    summary(() => {
      bench(`swr, fresh memory hit (${pass})`, async () => {
        do_not_optimize(await hitCache.swr({ queryKey: KEYS[i++ % 1_000] as string, queryFn: load }))
      }).baseline(true)
      bench(`swr with schema, fresh memory hit (${pass})`, async () => {
        do_not_optimize(await hitCache.swr({ queryKey: KEYS[i++ % 1_000] as string, queryFn: load, schema }))
      })
    })
  await run()
  await Promise.all([swrManyCache.close(), swrCache.close(), hitCache.close()])
} finally {
  redis.disconnect()
  await server.stop()
}
