// The README's example as a live story: memory over a second tier, a query with fresh 2s and ttl 5m, and what
// each call did (fresh hit, stale value served while one refresh ran, or a load), with timings, over ~10 seconds.

import { setTimeout as sleep } from 'node:timers/promises'
import { type CacheEvents, type CacheStore, TieredCache } from '@tiered/core'
import { hashKeyMD5 } from '@tiered/keys'
import { createKeyvStore } from '@tiered/store-keyv'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisStore } from '@tiered/store-redis'
import { type RedisServerHandle, startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { Keyv } from 'keyv'

interface Todo {
  id: number
  title: string
  completed: boolean
}

const started = performance.now()
const clock = () => `${((performance.now() - started) / 1000).toFixed(2).padStart(5)}s`
const sleepUntil = (seconds: number) => sleep(Math.max(0, started + seconds * 1000 - performance.now()))
const say = (text: string) => console.log(`[${clock()}] ${text}`)

/** The second tier: Redis when REDIS_URL is set or redis-server is on the PATH, else Keyv in memory. */
async function secondTier(): Promise<{ store: CacheStore; label: string; stop: () => Promise<void> }> {
  let server: RedisServerHandle | undefined
  let url = process.env.REDIS_URL
  if (url === undefined) {
    try {
      server = await startRedisServer()
      url = server.url
    } catch {
      // No redis-server here: fall through to Keyv in memory.
    }
  }
  if (url !== undefined) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
    await client.connect()
    const store = createRedisStore('redis', client, { keyPrefix: `tiered-demo:${process.pid}:` })
    const label =
      server === undefined ? `Redis at ${url}` : `Redis on a redis-server the demo started (${url})`
    return {
      store,
      label,
      stop: async () => {
        await store.clear?.()
        client.disconnect()
        await server?.stop()
      },
    }
  }
  const keyv = new Keyv({ namespace: 'tiered-demo' })
  return {
    store: createKeyvStore('keyv', keyv),
    label: 'Keyv in memory (no REDIS_URL and no redis-server on the PATH; install redis-server to see Redis)',
    stop: async () => {},
  }
}

const second = await secondTier()
console.log(`tiered demo: memory over ${second.label}\n`)

let loaderCalls = 0
let failNextLoad = false
async function fetchTodos(userId: number): Promise<Todo[]> {
  loaderCalls++
  const call = loaderCalls
  await sleep(300)
  if (failNextLoad) {
    failNextLoad = false
    throw new Error('the todo service answered 503')
  }
  return [{ id: call, title: `todo list version ${call} for user ${userId}`, completed: false }]
}

function makeCache(memoryName: string) {
  const cache = new TieredCache({ defaultFresh: '2s', stores: [createMemoryStore(memoryName), second.store] })
  cache.on('error', (event: CacheEvents['error']) => {
    const error = event.error instanceof Error ? event.error.message : String(event.error)
    say(`   reported: ${event.operation} of ${event.key ?? '?'} failed: ${error}; callers were not affected`)
  })
  return cache
}

const params = { userId: 1, completed: false }
const queryKey = ['todos', hashKeyMD5(params)]

/** One or more concurrent calls, and what they did, read from the cache's own events. */
async function ask(cache: TieredCache, callers: number, what: string) {
  const hits: CacheEvents['hit'][] = []
  let misses = 0
  const onHit = (event: CacheEvents['hit']) => hits.push(event)
  const onMiss = () => misses++
  cache.on('hit', onHit).on('miss', onMiss)
  const loadsBefore = loaderCalls
  const t0 = performance.now()
  const results = await Promise.all(
    Array.from({ length: callers }, () =>
      cache.swr({ queryKey, queryFn: () => fetchTodos(params.userId), fresh: '2s', ttl: '5m' }),
    ),
  )
  const ms = (performance.now() - t0).toFixed(2)
  cache.off('hit', onHit).off('miss', onMiss)
  const first = results[0]?.[0]?.title
  let outcome: string
  if (misses > 0)
    outcome = `load: ${callers} caller(s) waited ${ms} ms for ${loaderCalls - loadsBefore} loader call(s)`
  else if (hits.some((hit) => hit.state === 'stale')) {
    outcome = `stale: served at once in ${ms} ms from ${hits[0]?.tier} while one refresh runs`
  } else outcome = `fresh hit from ${hits[0]?.tier} in ${ms} ms`
  say(`${what.padEnd(46)} ${outcome}; "${first}" (loader calls so far: ${loaderCalls})`)
}

try {
  const app = makeCache('memory')
  await ask(app, 5, '5 callers at once on a cold key')
  await sleepUntil(0.6)
  await ask(app, 1, 'one caller')
  await sleepUntil(1.2)
  await ask(app, 3, '3 callers at once')
  await sleepUntil(2.5)
  await ask(app, 3, '3 callers at once, past fresh 2s')
  await sleepUntil(3.0)
  await ask(app, 1, 'one caller, after the refresh')

  await sleepUntil(3.6)
  const otherInstance = makeCache('memory-of-instance-2')
  await ask(otherInstance, 1, 'a second app instance, memory empty')
  await ask(otherInstance, 1, 'the second instance again')

  await sleepUntil(5.0)
  failNextLoad = true
  await ask(app, 1, 'stale, and the service is failing')
  await sleepUntil(5.6)
  await ask(app, 1, 'one caller, after the failed refresh')
  await sleepUntil(6.2)
  await ask(app, 1, 'one caller')

  await sleepUntil(8.3)
  await ask(app, 2, '2 callers at once, past fresh 2s')
  await sleepUntil(8.9)
  await ask(app, 1, 'one caller')

  await sleepUntil(9.5)
  const stats = app.stats()
  console.log(
    `\nfirst instance: ${stats.hits} fresh hits, ${stats.staleHits} stale hits, ${stats.misses} misses, ` +
      `${stats.loads} loads (${stats.loadErrors} failed); loader calls across both instances: ${loaderCalls}`,
  )
} finally {
  // Both instances share the second tier; it is cleared of the demo's keys and its client closed here.
  await second.stop()
}
