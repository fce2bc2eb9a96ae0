// A fleet of four real Node processes, each a TieredCache [memory, Redis] with the Redis bus and lock over one
// redis-server: changes reach every memory tier at once, a missed notice never leaves an old value served, a cold
// key is loaded once per fleet, and a lock that dies or hangs never makes a call fail or wait past its bound.

import { type RedisServerHandle, startRedisServer } from '@tiered/testing'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import * as cases from './support/fleet-cases.js'
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

const ctx: cases.FleetCaseContext = {
  label: 'redis',
  fleet: (count, prefix, extra) => fleet(count, sharedServer(prefix, extra)),
  fleets,
  leaseKeys: (prefix) => admin.keys(`${prefix}lock:*`),
}

describe('propagation', () => {
  it('a set and a delete in one process are seen by three others within 1 s', () => cases.propagation(ctx))
})

describe('a change made while a subscriber is disconnected is never served after it reconnects', () => {
  it('CLIENT KILL TYPE pubsub', async () => {
    const prefix = uniquePrefix('fleet-kill')
    const [a, b] = (await fleet(2, ownedServer(prefix))).members
    // A writer whose changes send no notice at all: B certainly misses them.
    const [silent] = (await fleet(1, ownedServer(prefix, { bus: false }))).members
    // (Written by the silent one too, so that no late notice of it drops B's copy.)
    await silent.set('k', 'v1')
    expect(await b.get('k')).toBe('v1')
    expect(await b.peek('k')).toMatchObject({ value: 'v1', fresh: true })
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
    const [b] = (await fleet(1, ownedServer(prefix))).members
    const [silent] = (await fleet(1, ownedServer(prefix, { bus: false }))).members
    await silent.set('k', 'v1')
    expect(await b.get('k')).toBe('v1')
    expect(await b.peek('k')).toMatchObject({ value: 'v1', fresh: true })

    await owned.restart()
    // The server lost everything; the silent writer sets v2 until it has landed in Redis (a set reports a failed
    // tier write rather than rejecting, so the test looks in Redis itself; bounded retries).
    let written = false
    for (let attempt = 0; attempt < 100 && !written; attempt++) {
      await silent.set('k', 'v2')
      written = (await ownedAdmin.get(`${prefix}k`).catch(() => null)) !== null
      if (!written) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(written).toBe(true)
    const seen = await b.watch('k', 'v1', 10_000, 5)
    expect(seen.value).toBe('v2')
    for (let read = 0; read < 20; read++) expect(await b.get('k')).toBe('v2')
  })
})

describe('lock: one load per fleet', () => {
  it('4 processes x 250 callers on a cold key: 1 load, every caller gets the value, no lease left', () =>
    cases.coldKey(ctx))

  it('the lease holder SIGKILLed during its load: exactly one other process loads after the lease, every caller gets a value', () =>
    cases.holderDies(ctx))

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
    // A lease is released just after its value's write is sent, not before swr resolves: wait for the releases.
    await vi.waitFor(async () => expect(await ownedLockAdmin.keys(`${prefix}lock:*`)).toEqual([]), {
      timeout: 5_000,
      interval: 20,
    })
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

  it('one refresh per fleet on a stale key', () => cases.oneRefresh(ctx))
})

describe('refresh from below', () => {
  it('a stale memory entry whose Redis copy is fresh is backfilled and no load runs', () =>
    cases.refreshFromBelow(ctx))
})
