// A client that knows it is disconnected: once it has been ready, the store fails at once and queues nothing, and
// calls in flight fail at the drop; before it was ever ready (start-up), a call waits for the first connection.

import type { EventEmitter } from 'node:events'
import type { RedisServerHandle } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { createRedisStore, type RedisStore } from '../src/index.js'
import {
  clientLabel,
  clientLibrary,
  clientOf,
  entryOf,
  isReady,
  observerOf,
  ownServer,
  ping,
  ready,
  restartServer,
  sleep,
  type TestClient,
  uniquePrefix,
  waitFor,
} from './support/redis.js'

/** Every store method, each naming `k` (or `k` and `m`). */
function everyCall(store: RedisStore): [string, () => Promise<unknown>][] {
  return [
    ['get', () => store.get('k')],
    ['set', () => store.set('k', entryOf('during the outage'), 60_000)],
    ['delete', () => store.delete('k')],
    ['getMany', () => store.getMany(['k', 'm'])],
    [
      'setMany',
      () =>
        store.setMany([
          { key: 'k', entry: entryOf(1), ttlMs: 60_000 },
          { key: 'm', entry: entryOf(2), ttlMs: 60_000 },
        ]),
    ],
    ['deleteMany', () => store.deleteMany(['k', 'm'])],
    ['clear', () => store.clear()],
  ]
}

/** How a call ended and how long it took. */
async function timed(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  const error = await call().then(
    () => undefined,
    (failure: unknown) => failure,
  )
  return { error, ms: performance.now() - started }
}

/** Restarts the (killed) server and waits until `client` has reconnected and run whatever it had queued. */
async function bringBack(server: RedisServerHandle, client: TestClient): Promise<void> {
  await restartServer(server)
  expect(await waitFor(() => isReady(client), { timeoutMs: 10_000 })).toBe(true)
  // Both libraries send what they queued as they become ready, before anything sent after: once PING answers, it
  // has run.
  expect(await ping(client)).toBe('PONG')
}

describe('a Redis store at start-up', () => {
  it.each<[string, boolean]>([
    ['connecting', false],
    // A node-redis client connects only when told to; one never connected fails at once (the next test).
    ...(clientLibrary === 'ioredis' ? [['lazyConnect', true] as [string, boolean]] : []),
  ])('sends the first call once a %s client connects', async (_, lazy) => {
    const server = await ownServer()
    const client = clientOf(server, { lazy })
    const store = createRedisStore('redis', client, { keyPrefix: uniquePrefix('start-up') })
    expect(isReady(client)).toBe(false)
    await store.set('k', entryOf('first'), 60_000)
    expect((await store.get('k'))?.value).toBe('first')
  })

  it.runIf(clientLibrary === 'node-redis')(
    'fails every call at once on a node-redis client nobody connected, and queues nothing',
    async () => {
      const server = await ownServer()
      const client = clientOf(server, { lazy: true })
      const store = createRedisStore('redis', client, { keyPrefix: uniquePrefix('never-connected') })
      const { error, ms } = await timed(() => store.set('k', entryOf('never sent'), 60_000))
      expect(String(error)).toMatch(/closed/)
      expect(ms).toBeLessThan(250)
      expect(await observerOf(server).dbsize()).toBe(0)
    },
  )
})

describe('a Redis store whose client was ready and lost the connection', () => {
  it('rejects every call at once, sends nothing, and nothing tried during the outage lands at reconnect', async () => {
    const server = await ownServer()
    // The library's defaults (offline queue on; ioredis: 20 retries per request), reconnecting every 50 ms.
    const client = clientOf(server, { reconnectMs: 50, resend: true })
    await ready(client)
    const prefix = uniquePrefix('outage')
    const store = createRedisStore('redis', client, { keyPrefix: prefix })
    server.kill('SIGKILL')
    expect(await waitFor(() => !isReady(client), { timeoutMs: 5_000 })).toBe(true)

    for (const [name, call] of everyCall(store)) {
      const { error, ms } = await timed(call)
      expect(error, name).toMatchObject({ name: 'RedisDisconnectedError', code: 'TIERED_REDIS_DISCONNECTED' })
      // Not sent, so waiting for nothing; queued, it would wait ~1 s (20 reconnects). The bound allows a busy machine.
      expect(ms, name).toBeLessThan(250)
    }

    await bringBack(server, client)
    // The restarted server lost everything, so any key now there was written after the restart.
    expect(await observerOf(server).dbsize()).toBe(0)
    await store.set('after', entryOf('written once back'), 60_000)
    expect((await store.get('after'))?.value).toBe('written once back')
  })

  it('rejects a call in flight when the connection drops, at the drop', async () => {
    const server = await ownServer()
    // Without the store's own watch, ioredis would hold the GET until it gave up after 20 reconnects (4 s here).
    const client = clientOf(server, { reconnectMs: 200, resend: true })
    await ready(client)
    const store = createRedisStore('redis', client, { keyPrefix: uniquePrefix('in-flight') })
    server.kill('SIGSTOP')
    const read = timed(() => store.get('k'))
    await sleep(50)
    server.kill('SIGKILL')
    const { error, ms } = await read
    expect(error).toMatchObject({ code: 'TIERED_REDIS_DISCONNECTED' })
    expect(ms).toBeLessThan(1_000)
  })

  it.each(
    clientLibrary === 'ioredis'
      ? [
          ['with maxRetriesPerRequest: 0 (as the README advises) is not sent again', false, 0],
          ["with ioredis's defaults is sent again (why the README advises maxRetriesPerRequest: 0)", true, 1],
        ]
      : [["with node-redis's defaults is not sent again (node-redis never resends)", true, 0]],
  )(
    `a write in flight when the connection drops %s at reconnect (${clientLabel})`,
    async (_, resend, landed) => {
      const server = await ownServer()
      const client = clientOf(server, { reconnectMs: 50, resend: resend as boolean })
      await ready(client)
      const prefix = uniquePrefix('resend')
      const store = createRedisStore('redis', client, { keyPrefix: prefix })
      server.kill('SIGSTOP')
      const write = timed(() => store.set('k', entryOf('reported as failed'), 60_000))
      await sleep(50)
      server.kill('SIGKILL')
      const { error } = await write
      expect(error).toMatchObject({ code: 'TIERED_REDIS_DISCONNECTED' })
      await bringBack(server, client)
      expect(await observerOf(server).exists(`${prefix}k`)).toBe(landed)
    },
  )
})

describe("a Redis store's close", () => {
  it('takes its listeners off the client and leaves the client connected', async () => {
    const server = await ownServer()
    const client = clientOf(server)
    await ready(client)
    // The event each library reports a closed connection with.
    const dropEvent = clientLibrary === 'ioredis' ? 'close' : 'end'
    const listeners = () => (client as unknown as EventEmitter).listenerCount(dropEvent)
    const before = listeners()
    const one = createRedisStore('one', client, { keyPrefix: uniquePrefix('one') })
    const two = createRedisStore('two', client, { keyPrefix: uniquePrefix('two') })
    // One watch per client, however many stores share it.
    expect(listeners()).toBe(before + 1)
    one.close()
    one.close()
    expect(listeners()).toBe(before + 1)
    two.close()
    expect(listeners()).toBe(before)
    expect(isReady(client)).toBe(true)
    expect(await ping(client)).toBe('PONG')
  })
})
