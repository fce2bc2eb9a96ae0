// The README's example as a live story: memory over a second tier, a query with fresh 2s and ttl 5m, and what
// each call did (fresh hit, stale value served while one refresh ran, or a load), with timings, over ~10 seconds.

import { fork } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { type CacheEvents, type CacheStore, TieredCache } from '@tiered/core'
import { hashKeyMD5 } from '@tiered/keys'
import { createKeyvStore } from '@tiered/store-keyv'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisLock, createRedisStore } from '@tiered/store-redis'
import { type RedisServerHandle, startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { Keyv } from 'keyv'
import type { PeerCommand, PeerReply } from './demo-peer.ts'

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
async function secondTier(): Promise<{
  store: CacheStore
  label: string
  url?: string
  stop: () => Promise<void>
}> {
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
      url,
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

/**
 * A fleet: this process and a second one (demo-peer.ts), each with its own memory tier over the same Redis, joined
 * by createRedisBus and createRedisLock. A change here is seen there at once; a cold key asked of both loads once.
 */
async function fleetPart(url: string): Promise<void> {
  console.log(
    '\nA fleet: two Node processes (the first runs this demo, the second examples/demo-peer.ts), each with its own\n' +
      'memory tier over the same Redis, joined by createRedisBus (change notices) and createRedisLock (one load\n' +
      'per key across the fleet)\n',
  )
  const prefix = `tiered-demo-fleet:${process.pid}:`
  const client = new Redis(url, { maxRetriesPerRequest: 1 })
  const here = new TieredCache({
    stores: [createMemoryStore('memory'), createRedisStore('redis', client, { keyPrefix: prefix })],
    bus: createRedisBus(client, { channel: `${prefix}bus` }),
    lock: createRedisLock(client, { keyPrefix: `${prefix}lock:` }),
  })
  const peer = fork(fileURLToPath(new URL('./demo-peer.ts', import.meta.url)), [], {
    execArgv: process.execArgv,
    env: { ...process.env, TIERED_DEMO_REDIS: url, TIERED_DEMO_PREFIX: prefix },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const reply = <T extends PeerReply['type']>(type: T) =>
    new Promise<Extract<PeerReply, { type: T }>>((resolve, reject) => {
      // Starting a second Node process with tsx takes seconds on a busy machine: generous bounds, never a hang.
      const waitMs = type === 'ready' ? 60_000 : 20_000
      const timer = setTimeout(
        () => reject(new Error(`the second process did not answer ${type} within ${waitMs / 1000} s`)),
        waitMs,
      )
      const onMessage = (message: PeerReply) => {
        if (message.type !== type) return
        clearTimeout(timer)
        peer.off('message', onMessage)
        resolve(message as Extract<PeerReply, { type: T }>)
      }
      peer.on('message', onMessage)
    })
  function askPeer(command: { type: 'read'; key: string }): Promise<Extract<PeerReply, { type: 'read' }>>
  function askPeer(command: { type: 'load'; key: string }): Promise<Extract<PeerReply, { type: 'load' }>>
  function askPeer(command: { type: 'read' | 'load'; key: string }): Promise<PeerReply> {
    const answer = reply(command.type)
    peer.send(command)
    return answer
  }
  try {
    await Promise.all([here.ready(), reply('ready')])
    await here.set('greeting', 'hello v1')
    say('the first process sets greeting = "hello v1"')
    // Its notice reaches the second process within a millisecond or two; read after it, so the copy stays.
    await sleep(50)
    for (let read = 0; read < 2; read++) {
      const seen = await askPeer({ type: 'read', key: 'greeting' })
      say(`  second process reads "${seen.value}" from its ${seen.from} tier in ${seen.ms.toFixed(2)} ms`)
    }
    const t0 = performance.now()
    await here.set('greeting', 'hello v2')
    const setAt = performance.now()
    say('the first process sets greeting = "hello v2"')
    let seen = await askPeer({ type: 'read', key: 'greeting' })
    for (let read = 0; read < 50 && seen.value !== 'hello v2'; read++)
      seen = await askPeer({ type: 'read', key: 'greeting' })
    say(
      `  second process reads "${seen.value}" from its ${seen.from} tier, ${(performance.now() - setAt).toFixed(1)} ms ` +
        `after the set resolved (set took ${(setAt - t0).toFixed(1)} ms): the bus notice dropped its old memory copy`,
    )
    let loadedHere = false
    const [mine, theirs] = await Promise.all([
      here.swr({
        queryKey: 'report',
        queryFn: async () => {
          loadedHere = true
          await sleep(300)
          return `report built by the first process (pid ${process.pid})`
        },
      }),
      askPeer({ type: 'load', key: 'report' }),
    ])
    const loads = Number(loadedHere) + Number(theirs.loaded)
    const loaders = [loadedHere && 'the first process', theirs.loaded && 'the second process'].filter(Boolean)
    const got =
      mine === theirs.value ? `both got "${mine}"` : `the first got "${mine}", the second "${theirs.value}"`
    say(
      `both processes ask for a cold key at once: ${loads} load in all, by ${loaders.join(' and ') || 'neither'}; ${got}`,
    )
  } finally {
    const exited = new Promise((resolve) => peer.once('exit', resolve))
    if (peer.connected) peer.send({ type: 'stop' } satisfies PeerCommand)
    const kill = setTimeout(() => peer.kill('SIGKILL'), 3_000)
    await exited
    clearTimeout(kill)
    await here.close()
    const keys = await client.keys(`${prefix}*`)
    if (keys.length > 0) await client.del(...keys)
    client.disconnect()
  }
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
  if (second.url !== undefined) await fleetPart(second.url)
} finally {
  // Both instances share the second tier; it is cleared of the demo's keys and its client closed here.
  await second.stop()
}
