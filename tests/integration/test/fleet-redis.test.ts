// A fleet of four real Node processes, each a TieredCache [memory, Redis] with the Redis bus and lock over one
// redis-server: changes reach every memory tier at once, a missed notice never leaves an old value served, a cold
// key is loaded once per fleet, and a lock that dies or hangs never makes a call fail or wait past its bound.

import { type RedisServerHandle, startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { type Fleet, startFleet } from './support/fleet-harness.js'
import type { FleetConfig } from './support/fleet-protocol.js'
import { connectRedis, uniquePrefix } from './support/redis.js'

const HOUR = 3_600_000
let admin: Redis
/** Servers this file owns, so it may kill their clients, restart them and stop them. */
let owned: RedisServerHandle
let ownedLock: RedisServerHandle
let ownedAdmin: Redis
let ownedLockAdmin: Redis
const fleets: Fleet[] = []

beforeAll(async () => {
  admin = connectRedis()
  ;[owned, ownedLock] = await Promise.all([startRedisServer(), startRedisServer()])
  ownedAdmin = new Redis(owned.url, { maxRetriesPerRequest: 1 })
  ownedAdmin.on('error', () => {})
  ownedLockAdmin = new Redis(ownedLock.url, { maxRetriesPerRequest: 1 })
  ownedLockAdmin.on('error', () => {})
})

afterEach(async () => {
  // Every fleet dies with its test, passed or failed.
  await Promise.all(fleets.splice(0).map((fleet) => fleet.stop()))
})

afterAll(async () => {
  await Promise.all(fleets.splice(0).map((fleet) => fleet.stop()))
  admin?.disconnect()
  ownedAdmin?.disconnect()
  ownedLockAdmin?.disconnect()
  ownedLock?.kill('SIGCONT')
  await Promise.all([owned?.stop(), ownedLock?.stop()])
})

async function fleet(count: number, config: FleetConfig): Promise<Fleet> {
  const started = await startFleet(count, config)
  fleets.push(started)
  return started
}

const sharedServer = (prefix: string, extra: Partial<FleetConfig> = {}): FleetConfig => ({
  redis: { url: inject('redisUrl') },
  prefix,
  freshMs: HOUR,
  ttlMs: HOUR,
  ...extra,
})

const ownedServer = (prefix: string, extra: Partial<FleetConfig> = {}): FleetConfig => ({
  redis: { url: owned.url },
  prefix,
  freshMs: HOUR,
  ttlMs: HOUR,
  ...extra,
})

describe('propagation', () => {
  it('a set and a delete in one process are seen by three others within 1 s', async () => {
    const prefix = uniquePrefix('fleet-propagation')
    const [a, ...others] = (await fleet(4, sharedServer(prefix))).members
    await a.set('k', 'v1')
    // Each of the others now holds v1 in memory, fresh for an hour: without a notice it would serve it that long.
    for (const member of others) expect(await member.get('k')).toBe('v1')
    for (const member of others) expect(await member.peek('k')).toMatchObject({ value: 'v1', fresh: true })

    const seen = others.map((member) => member.watch('k', 'v1', 5_000))
    const set = await a.set('k', 'v2')
    const afterSet = await Promise.all(seen)
    for (const view of afterSet) {
      expect(view.value).toBe('v2')
      expect((view.at as number) - set.at).toBeLessThan(1_000)
    }

    const gone = others.map((member) => member.watch('k', 'v2', 5_000))
    const deleted = await a.delete('k')
    const afterDelete = await Promise.all(gone)
    for (const view of afterDelete) {
      expect(view.value).toBeNull()
      expect((view.at as number) - deleted.at).toBeLessThan(1_000)
    }
  })
})

describe('a change made while a subscriber is disconnected is never served after it reconnects', () => {
  it('CLIENT KILL TYPE pubsub', async () => {
    const prefix = uniquePrefix('fleet-kill')
    const [a, b] = (await fleet(2, ownedServer(prefix))).members
    // A writer whose changes send no notice at all: B certainly misses them.
    const [silent] = (await fleet(1, ownedServer(prefix, { bus: false }))).members
    await a.set('k', 'v1')
    expect(await b.get('k')).toBe('v1')
    await silent.set('k', 'v2')
    // B missed the change: its memory still says v1, fresh for an hour.
    expect(await b.get('k')).toBe('v1')

    await ownedAdmin.client('KILL', 'TYPE', 'pubsub')
    const seen = await b.watch('k', 'v1', 10_000, 5)
    expect(seen.value).toBe('v2')
    // Reconnected: the old value is gone for good, and notices flow again.
    for (let read = 0; read < 20; read++) expect(await b.get('k')).toBe('v2')
    const next = b.watch('k', 'v2', 5_000)
    await a.set('k', 'v3')
    expect((await next).value).toBe('v3')

    // A change published in the instant after the kill (B is reconnecting) is not lost either.
    await ownedAdmin.client('KILL', 'TYPE', 'pubsub')
    await a.set('k', 'v4')
    expect((await b.watch('k', 'v3', 10_000, 5)).value).toBe('v4')
    expect(await b.get('k')).toBe('v4')
  })

  it('a restart of the Redis server', async () => {
    const prefix = uniquePrefix('fleet-restart')
    const [a, b] = (await fleet(2, ownedServer(prefix))).members
    const [silent] = (await fleet(1, ownedServer(prefix, { bus: false }))).members
    await a.set('k', 'v1')
    expect(await b.get('k')).toBe('v1')

    await owned.restart()
    // The server lost everything; the silent writer sets v2 as soon as its connection is back (bounded retries).
    let written = false
    for (let attempt = 0; attempt < 100 && !written; attempt++) {
      written = await silent.set('k', 'v2').then(
        () => true,
        () => false,
      )
      if (!written) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(written).toBe(true)
    const seen = await b.watch('k', 'v1', 10_000, 5)
    expect(seen.value).toBe('v2')
    for (let read = 0; read < 20; read++) expect(await b.get('k')).toBe('v2')
  })
})

describe('lock: one load per fleet', () => {
  it('4 processes x 250 callers on a cold key: 1 load, every caller gets the value, no lease left', async () => {
    const prefix = uniquePrefix('fleet-cold')
    const { members, loadsOf } = await fleet(4, sharedServer(prefix))
    const startAt = Date.now() + 300
    const results = await Promise.all(
      members.map((member) => member.swr({ key: 'cold', callers: 250, loadMs: 200, value: 'loaded', startAt })),
    )
    for (const result of results) {
      expect(result.failures).toEqual([])
      expect(result.values).toHaveLength(250)
      expect(new Set(result.values)).toEqual(new Set(['loaded']))
    }
    expect(loadsOf('cold')).toHaveLength(1)
    await vi.waitFor(async () => expect(await admin.keys(`${prefix}lock:*`)).toEqual([]), {
      timeout: 2_000,
      interval: 20,
    })
  })

  it('the lease holder SIGKILLed during its load: exactly one other process loads after the lease, every caller gets a value', async () => {
    const prefix = uniquePrefix('fleet-holder-dies')
    const lockTtlMs = 2_000
    const { members, loadsOf, waitForLoads } = await fleet(4, sharedServer(prefix, { lockTtlMs }))
    const startAt = Date.now() + 300
    const calls = members.map((member) =>
      member.swr({ key: 'cold', callers: 50, loadMs: 300, value: 'loaded', startAt }).then(
        (result) => ({ pid: member.pid, result }),
        (error: Error) => ({ pid: member.pid, error }),
      ),
    )
    const [first] = await waitForLoads('cold', 1, 10_000)
    const holder = members.find((member) => member.pid === first?.pid)
    expect(holder).toBeDefined()
    holder?.kill('SIGKILL')
    const outcomes = await Promise.all(calls)
    for (const outcome of outcomes) {
      if (outcome.pid === holder?.pid) {
        expect('error' in outcome).toBe(true)
        continue
      }
      if ('error' in outcome) throw outcome.error
      expect(outcome.result.failures).toEqual([])
      expect(new Set(outcome.result.values)).toEqual(new Set(['loaded']))
      // They waited for the lapsed lease, not for ever: the lease, a poll and one load, with room for busy cores.
      expect(outcome.result.ms).toBeLessThan(lockTtlMs + 3_000)
    }
    const loads = loadsOf('cold')
    expect(loads).toHaveLength(2)
    expect(loads[1]?.pid).not.toBe(holder?.pid)
    // The lapsed lease is gone, and the second holder released its own.
    await vi.waitFor(async () => expect(await admin.keys(`${prefix}lock:*`)).toEqual([]), {
      timeout: 2_000,
      interval: 20,
    })
  })

  it("the lock's Redis SIGSTOPped: each process loads on its own within storeTimeout + load time", async () => {
    const prefix = uniquePrefix('fleet-lock-stopped')
    const storeTimeoutMs = 500
    const loadMs = 200
    const { members, loadsOf } = await fleet(
      4,
      sharedServer(prefix, { lockRedis: { url: ownedLock.url }, storeTimeoutMs, lockTtlMs: 30_000 }),
    )
    // Every lock connection is up before the server stops.
    await Promise.all(members.map((member) => member.swr({ key: 'warm', callers: 1, loadMs: 0, value: 'w' })))
    expect(await ownedLockAdmin.keys(`${prefix}lock:*`)).toEqual([])
    ownedLock.kill('SIGSTOP')
    let results: Awaited<ReturnType<(typeof members)[number]['swr']>>[]
    try {
      const startAt = Date.now() + 300
      results = await Promise.all(
        members.map((member) => member.swr({ key: 'cold', callers: 50, loadMs, value: 'loaded', startAt })),
      )
    } finally {
      ownedLock.kill('SIGCONT')
    }
    for (const result of results) {
      expect(result.failures).toEqual([])
      expect(new Set(result.values)).toEqual(new Set(['loaded']))
      // storeTimeout + load time, plus a second for two busy cores.
      expect(result.ms).toBeLessThan(storeTimeoutMs + loadMs + 1_000)
    }
    expect(loadsOf('cold')).toHaveLength(4)
    const errors = await Promise.all(members.map(async (member) => (await member.stats()).errors))
    for (const reported of errors) expect(reported.join('\n')).toMatch(/no answer within 500ms/)
    // The acquires that timed out reach the server once it runs again; the leases they take are handed back at
    // once, not left to block the key for the whole lockTtl.
    await vi.waitFor(async () => expect(await ownedLockAdmin.keys(`${prefix}lock:*`)).toEqual([]), {
      timeout: 5_000,
      interval: 20,
    })
  })

  it('one refresh per fleet on a stale key', async () => {
    const prefix = uniquePrefix('fleet-refresh')
    const { members, loadsOf } = await fleet(4, sharedServer(prefix, { freshMs: 300 }))
    const [a] = members
    await a?.swr({ key: 'k', callers: 1, loadMs: 0, value: 'v1' })
    for (const member of members) expect(await member.get('k')).toBe('v1')
    await vi.waitFor(
      async () => {
        for (const member of members) expect(await member.peek('k')).toMatchObject({ value: 'v1', fresh: false })
      },
      { timeout: 5_000, interval: 50 },
    )
    const startAt = Date.now() + 300
    const results = await Promise.all(
      members.map((member) => member.swr({ key: 'k', callers: 25, loadMs: 300, value: 'v2', startAt })),
    )
    // Every caller got the stale value at once, and one refresh runs for the fleet.
    for (const result of results) expect(new Set(result.values)).toEqual(new Set(['v1']))
    await vi.waitFor(
      async () => {
        for (const member of members) expect(await member.get('k')).toBe('v2')
      },
      { timeout: 5_000, interval: 20 },
    )
    // A quiet spell in which a second refresh, had one started, would have been heard of.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(loadsOf('k')).toHaveLength(2)
    await vi.waitFor(async () => expect(await admin.keys(`${prefix}lock:*`)).toEqual([]), {
      timeout: 2_000,
      interval: 20,
    })
  })
})

describe('refresh from below', () => {
  it('a stale memory entry whose Redis copy is fresh is backfilled and no load runs', async () => {
    const prefix = uniquePrefix('fleet-below')
    const [a] = (await fleet(1, sharedServer(prefix, { freshMs: 400 }))).members
    // B hears no notices, so its memory keeps the stale entry until it reads below.
    const [b] = (await fleet(1, sharedServer(prefix, { freshMs: 400, bus: false }))).members
    const loads = () => fleets.flatMap((f) => f.loadsOf('k'))
    await a?.swr({ key: 'k', callers: 1, loadMs: 0, value: 'v1' })
    expect(await b?.get('k')).toBe('v1')
    await vi.waitFor(
      async () => {
        expect(await a?.peek('k')).toMatchObject({ value: 'v1', fresh: false })
        expect(await b?.peek('k')).toMatchObject({ value: 'v1', fresh: false })
      },
      { timeout: 5_000, interval: 50 },
    )
    // A refreshes: its stale hit starts a background load, which writes a fresh v2 to Redis.
    expect((await a?.swr({ key: 'k', callers: 1, loadMs: 0, value: 'v2' }))?.values).toEqual(['v1'])
    await vi.waitFor(() => expect(loads()).toHaveLength(2), { timeout: 5_000, interval: 20 })
    await vi.waitFor(async () => expect(await a?.get('k')).toBe('v2'), { timeout: 5_000, interval: 20 })
    expect(await b?.peek('k')).toMatchObject({ value: 'v1', fresh: false })

    // B's stale hit reads Redis first: the fresh v2 there is backfilled into its memory, and B loads nothing.
    expect((await b?.swr({ key: 'k', callers: 5, loadMs: 0, value: 'from-b' }))?.values).toEqual(
      Array(5).fill('v1'),
    )
    await vi.waitFor(async () => expect(await b?.peek('k')).toMatchObject({ value: 'v2', fresh: true }), {
      timeout: 5_000,
      interval: 20,
    })
    expect(await b?.get('k')).toBe('v2')
    expect(loads().filter((load) => load.pid === b?.pid)).toEqual([])
    expect(loads()).toHaveLength(2)
  })
})
