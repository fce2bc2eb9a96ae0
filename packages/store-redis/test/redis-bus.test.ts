// The Redis bus between caches of a fleet, on a real redis-server and a real 3-master Cluster: every notice reaches
// every subscriber, a reconnect (killed connection, restarted server) is a gap, bad input and bad bytes are typed
// errors, and Redis being down fails a publish at once instead of queueing it.

import type { BusMessage, CacheBus, MaybePromise } from '@tiered/core'
import { sendRedisCommand, startRedisCluster, startRedisServer } from '@tiered/testing'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { createRedisBus } from '../src/index.js'
import { Clients, type Recorder, recorder, uniqueName, waitFor } from './support/fleet-clients.js'
import {
  connectClusterClient,
  connectLater,
  disconnect,
  isReady,
  ping,
  Redis,
  type TestClient,
} from './support/redis.js'

const clients = new Clients()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  clients.disconnectAll()
})

function bus(client: TestClient, channel: string): CacheBus {
  const made = createRedisBus(client, { channel })
  cleanups.push(() => made.close?.())
  return made
}

async function subscribed(client: TestClient, channel: string): Promise<Recorder> {
  const recorded = recorder()
  await bus(client, channel).subscribe(recorded)
  return recorded
}

const marker = (origin: string): BusMessage => ({ type: 'delete', keys: [`marker:${origin}`], origin })
const received = (recorded: Recorder, message: BusMessage) => () =>
  recorded.messages.some((m) => JSON.stringify(m) === JSON.stringify(message))

describe('createRedisBus on one redis-server', () => {
  it('delivers every kind of notice to every subscriber with its origin, the sender included', async () => {
    const channel = uniqueName('bus')
    const [a, b] = [await clients.client(inject('redisUrl')), await clients.client(inject('redisUrl'))]
    const busA = bus(a, channel)
    const atA = recorder()
    await busA.subscribe(atA)
    const atB = await subscribed(b, channel)
    const sent: BusMessage[] = [
      { type: 'set', keys: ['user:1', 'user:2'], origin: 'cache-a' },
      { type: 'delete', keys: ['user:3'], origin: 'cache-a' },
      { type: 'expire', keys: ['user:4', 'ключ "quoted" \n'], origin: 'cache-a' },
      { type: 'clear', origin: 'cache-a' },
      { type: 'tags', tags: ['team:7', 'org:1'], origin: 'cache-a' },
    ]
    for (const message of sent) await busA.publish(message)
    await waitFor(
      'five notices at each subscriber',
      () => atA.messages.length >= 5 && atB.messages.length >= 5,
    )
    expect(atA.messages).toEqual(sent)
    expect(atB.messages).toEqual(sent)
    expect([atA.gaps, atB.gaps, atA.errors, atB.errors]).toEqual([0, 0, [], []])
  })

  it('carries a notice of thousands of keys whole, split over several PUBLISHes', async () => {
    const channel = uniqueName('bus-large')
    const client = await clients.client(inject('redisUrl'))
    const at = await subscribed(await clients.client(inject('redisUrl')), channel)
    const keys = Array.from({ length: 2_500 }, (_, i) => `item:${i}`)
    await bus(client, channel).publish({ type: 'set', keys, origin: 'bulk' })
    await waitFor('every key', () => at.messages.flatMap((m) => m.keys ?? []).length >= keys.length)
    expect(at.messages.flatMap((m) => m.keys ?? [])).toEqual(keys)
    expect(at.messages.every((m) => m.type === 'set' && m.origin === 'bulk')).toBe(true)
  })

  it('rejects a malformed message with a TypeError and sends nothing', async () => {
    const channel = uniqueName('bus-input')
    const client = await clients.client(inject('redisUrl'))
    const at = await subscribed(client, channel)
    const publisher = bus(client, channel)
    const malformed: unknown[] = [
      null,
      'set',
      { type: 'upsert', keys: ['a'], origin: 'o' },
      { type: 'set', keys: ['a'] },
      { type: 'set', keys: ['a'], origin: '' },
      { type: 'set', origin: 'o' },
      { type: 'delete', keys: [], origin: 'o' },
      { type: 'expire', keys: ['a', 42], origin: 'o' },
      { type: 'set', keys: 'a', origin: 'o' },
      { type: 'tags', keys: ['a'], origin: 'o' },
      { type: 'tags', tags: [null], origin: 'o' },
    ]
    for (const message of malformed) {
      await expect(publisher.publish(message as BusMessage), JSON.stringify(message)).rejects.toBeInstanceOf(
        TypeError,
      )
    }
    await publisher.publish(marker('input'))
    await waitFor('the marker', received(at, marker('input')))
    expect(at.messages).toEqual([marker('input')])
  })

  it('reports undecodable bytes on the channel to error() and goes on delivering', async () => {
    const channel = uniqueName('bus-garbage')
    const client = await clients.client(inject('redisUrl'))
    const at = await subscribed(client, channel)
    const garbage = [
      'not json',
      '{"type":"set","keys":["a"],"origin":"o"}',
      '[2,"s","o",["a"]]',
      '[1,"x","o",["a"]]',
      '[1,"s","",["a"]]',
      '[1,"s","o",[]]',
      '[1,"d","o",[7]]',
      '',
    ]
    const raw = await clients.redis(inject('redisUrl'))
    for (const text of garbage) await raw.publish(channel, text)
    await bus(client, channel).publish(marker('garbage'))
    await waitFor('the marker', received(at, marker('garbage')))
    expect(at.messages).toEqual([marker('garbage')])
    expect(at.errors).toHaveLength(garbage.length)
    for (const error of at.errors) expect(error).toBeInstanceOf(TypeError)
  })

  it('reports a message handler that throws and keeps delivering', async () => {
    const channel = uniqueName('bus-throw')
    const client = await clients.client(inject('redisUrl'))
    const at = recorder()
    let calls = 0
    await bus(client, channel).subscribe({
      ...at,
      message: (message) => {
        calls++
        if (calls === 1) throw new Error('handler bug')
        at.messages.push(message)
      },
    })
    const publisher = bus(client, channel)
    await publisher.publish(marker('first'))
    await publisher.publish(marker('second'))
    await waitFor('the second marker', received(at, marker('second')))
    expect(at.messages).toEqual([marker('second')])
    expect(at.errors).toEqual([new Error('handler bug')])
  })

  it('close() ends only its own subscriber connection; the given client stays usable', async () => {
    const channel = uniqueName('bus-close')
    const client = await clients.client(inject('redisUrl'))
    const closing = createRedisBus(client, { channel })
    await closing.subscribe(recorder())
    const observer = await clients.redis(inject('redisUrl'))
    const subscribers = async () => (await observer.pubsub('NUMSUB', channel))[1]
    expect(await subscribers()).toBe(1)
    await closing.close?.()
    await waitFor('the subscriber to leave', async () => (await subscribers()) === 0)
    expect(isReady(client)).toBe(true)
    expect(await ping(client)).toBe('PONG')
    // The client still publishes for another bus.
    const at = await subscribed(await clients.client(inject('redisUrl')), channel)
    await bus(client, channel).publish(marker('after-close'))
    await waitFor('the marker', received(at, marker('after-close')))
  })

  it('refuses a second subscriber and bad handlers', async () => {
    const client = await clients.client(inject('redisUrl'))
    const once = bus(client, uniqueName('bus-twice'))
    await expect(once.subscribe({ message: () => {} } as never)).rejects.toBeInstanceOf(TypeError)
    await once.subscribe(recorder())
    await expect(once.subscribe(recorder())).rejects.toThrow(/already has a subscriber/)
    expect(() => createRedisBus(client, { channel: '' })).toThrow(TypeError)
  })

  it('refuses a client of neither library with a TypeError naming both', () => {
    for (const notAClient of [{}, null, 'redis://localhost', { publish: () => {} }]) {
      expect(() => createRedisBus(notAClient as never)).toThrow(TypeError)
      expect(() => createRedisBus(notAClient as never)).toThrow(/ioredis Redis or Cluster.*node-redis/)
    }
  })
})

describe('createRedisBus when its redis-server fails', () => {
  async function ownServer() {
    const server = await startRedisServer()
    cleanups.push(() => server.stop())
    return server
  }

  it('calls gap() after every CLIENT KILL TYPE pubsub, and delivers what is published after', async () => {
    const server = await ownServer()
    const channel = uniqueName('bus-kill')
    const publisher = bus(await clients.client(server.url), channel)
    const at = await subscribed(await clients.client(server.url), channel)
    for (let kill = 1; kill <= 2; kill++) {
      expect(await sendRedisCommand(server.port, ['CLIENT', 'KILL', 'TYPE', 'pubsub'])).toBe('1')
      await waitFor(`gap ${kill}`, () => at.gaps === kill)
      await publisher.publish(marker(`kill-${kill}`))
      await waitFor(`the marker after kill ${kill}`, received(at, marker(`kill-${kill}`)))
    }
    expect(at.messages).toEqual([marker('kill-1'), marker('kill-2')])
  })

  it('calls lost() when redis-server goes and gap() when it is back, and delivers what is published after', async () => {
    const server = await ownServer()
    const channel = uniqueName('bus-restart')
    const client = await clients.client(server.url)
    const publisher = bus(client, channel)
    const at = await subscribed(await clients.client(server.url), channel)
    await publisher.publish(marker('before'))
    await waitFor('the marker before', received(at, marker('before')))
    await server.restart()
    await waitFor('the gap', () => at.gaps === 1)
    // The drop was told before the gap: notices were lost in between (once per reconnect attempt that failed
    // meanwhile: a loaded machine may see the server refuse one while it restarts).
    expect(at.losses).toBeGreaterThanOrEqual(1)
    await waitFor('the publisher to reconnect', () => isReady(client))
    await publisher.publish(marker('after'))
    await waitFor('the marker after', received(at, marker('after')))
    expect(at.messages).toEqual([marker('before'), marker('after')])
    expect(at.gaps).toBe(1)
  })

  it('rejects a publish at once while Redis is down, and never sends it later', async () => {
    const server = await ownServer()
    const channel = uniqueName('bus-down')
    const client = await clients.client(server.url)
    const publisher = bus(client, channel)
    const at = await subscribed(await clients.client(server.url), channel)
    server.kill('SIGKILL')
    await waitFor('the client to see the server gone', () => !isReady(client))
    const started = performance.now()
    await expect(publisher.publish({ type: 'delete', keys: ['lost'], origin: 'down' })).rejects.toThrow(
      /disconnected/,
    )
    expect(performance.now() - started).toBeLessThan(250)

    await server.restart()
    await waitFor('the gap', () => at.gaps === 1)
    await waitFor('the publisher to reconnect', () => isReady(client))
    await publisher.publish(marker('back'))
    await waitFor('the marker', received(at, marker('back')))
    expect(at.messages).toEqual([marker('back')])
  })

  it('ping answers while Redis does; ping and publish fail at the drop when Redis dies under them', async () => {
    const server = await ownServer()
    const client = new Redis(server.url, { retryStrategy: () => 200 })
    client.on('error', () => {})
    cleanups.push(() => client.disconnect())
    await waitFor('the client to connect', () => client.status === 'ready')
    const publisher = bus(client, uniqueName('bus-drop'))
    await publisher.ping?.()
    server.kill('SIGSTOP')
    const started = performance.now()
    const settled = (work: MaybePromise<void> | undefined) =>
      Promise.resolve(work).then(
        () => 'answered',
        (error: unknown) => error,
      )
    const ping = settled(publisher.ping?.())
    const publish = settled(publisher.publish(marker('in-flight')))
    await new Promise((resolve) => setTimeout(resolve, 50))
    server.kill('SIGKILL')
    expect(await ping).toMatchObject({ code: 'TIERED_REDIS_DISCONNECTED' })
    expect(await publish).toMatchObject({ code: 'TIERED_REDIS_DISCONNECTED' })
    expect(performance.now() - started).toBeLessThan(1_000)
  })
})

describe('createRedisBus on a Redis Cluster', () => {
  it('delivers notices published through every master', async () => {
    const nodes = inject('redisClusterNodes')
    const channel = uniqueName('bus-cluster')
    const at = await subscribed(await clients.clusterClient(nodes), channel)
    const second = await subscribed(await clients.clusterClient(nodes), channel)
    // One publisher per master, and one through a Cluster client (which sends PUBLISH to any node).
    const publishers = [
      ...(await Promise.all(nodes.map((node) => clients.client(`redis://${node.host}:${node.port}`)))),
      await clients.clusterClient(nodes),
    ].map((client) => bus(client, channel))
    const sent: BusMessage[] = []
    for (const [i, publisher] of publishers.entries()) {
      for (let n = 0; n < 5; n++) {
        const message: BusMessage = { type: 'set', keys: [`p${i}:${n}`], origin: `publisher-${i}` }
        sent.push(message)
        await publisher.publish(message)
      }
    }
    await waitFor(
      'every notice',
      () => at.messages.length >= sent.length && second.messages.length >= sent.length,
    )
    const sorted = (messages: BusMessage[]) => messages.map((m) => JSON.stringify(m)).sort()
    expect(sorted(at.messages)).toEqual(sorted(sent))
    expect(sorted(second.messages)).toEqual(sorted(sent))
    expect(at.errors).toEqual([])
  })

  it('subscribes through a Cluster client that has not connected yet', async () => {
    const nodes = inject('redisClusterNodes')
    const fresh = connectClusterClient(nodes, { lazy: true })
    cleanups.push(() => disconnect(fresh))
    const channel = uniqueName('bus-cluster-fresh')
    const at = recorder()
    const subscribing = bus(fresh, channel).subscribe(at)
    await connectLater(fresh)
    await subscribing
    await bus(await clients.clusterClient(nodes), channel).publish(marker('fresh'))
    await waitFor('the marker', received(at, marker('fresh')))
    expect([at.gaps, at.errors]).toEqual([0, []])
  })

  it('calls gap() when its node drops the subscriber, and delivers what is published after', async () => {
    // A cluster of its own: CLIENT KILL TYPE pubsub would also cut other tests' subscribers on the shared one.
    const cluster = await startRedisCluster()
    cleanups.push(() => cluster.stop())
    const channel = uniqueName('bus-cluster-kill')
    const publisher = bus(await clients.clusterClient(cluster.nodes), channel)
    const at = await subscribed(await clients.clusterClient(cluster.nodes), channel)
    const killed = await Promise.all(
      cluster.nodes.map((node) => sendRedisCommand(node.port, ['CLIENT', 'KILL', 'TYPE', 'pubsub'])),
    )
    expect(killed.map(Number).reduce((sum, n) => sum + n, 0)).toBe(1)
    await waitFor('the gap', () => at.gaps === 1)
    await publisher.publish(marker('cluster-after'))
    await waitFor('the marker', received(at, marker('cluster-after')))
    expect(at.messages).toEqual([marker('cluster-after')])
  })
})
