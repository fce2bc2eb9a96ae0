// The fleet's main cases on the three-master Redis Cluster: each process's shared tier, bus and lock are a Cluster
// client; notices reach every process though each subscriber listens on one node, and leases are keys routed by
// slot.

import type { Cluster } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import * as cases from './support/fleet-cases.js'
import { type Fleet, startFleet } from './support/fleet-harness.js'
import type { FleetConfig } from './support/fleet-protocol.js'
import { connectCluster, uniquePrefix } from './support/redis.js'

const HOUR = 3_600_000
let cluster: Cluster
const fleets: Fleet[] = []

beforeAll(async () => {
  cluster = await connectCluster()
})

afterEach(async () => {
  await Promise.all(fleets.splice(0).map((fleet) => fleet.stop()))
})

afterAll(async () => {
  await Promise.all(fleets.splice(0).map((fleet) => fleet.stop()))
  cluster?.disconnect()
})

async function fleet(count: number, prefix: string, extra: Partial<FleetConfig> = {}): Promise<Fleet> {
  const started = await startFleet(count, {
    redis: { cluster: inject('redisClusterNodes') },
    prefix,
    freshMs: HOUR,
    ttlMs: HOUR,
    ...extra,
  })
  fleets.push(started)
  return started
}

async function leaseKeys(prefix: string): Promise<string[]> {
  const perNode = await Promise.all(cluster.nodes('master').map((node) => node.keys(`${prefix}lock:*`)))
  return perNode.flat()
}

const ctx: cases.FleetCaseContext = { label: 'cluster', fleet, fleets, leaseKeys }

describe('a fleet over the three-master Cluster', () => {
  it('propagation: a set and a delete in one process are seen by three others within 1 s', () =>
    cases.propagation(ctx))

  it('lock: 4 processes x 250 callers on a cold key: 1 load, no lease left', () => cases.coldKey(ctx))

  it('lock: the lease holder SIGKILLed during its load: exactly one other process loads after the lease', () =>
    cases.holderDies(ctx))

  it('lock: one refresh per fleet on a stale key', () => cases.oneRefresh(ctx))

  it('refresh from below: a stale memory entry whose Redis copy is fresh is backfilled, no load runs', () =>
    cases.refreshFromBelow(ctx))

  it('a change missed while every subscriber was cut off (CLIENT KILL TYPE pubsub on every node) is never served', async () => {
    const prefix = uniquePrefix('cluster-fleet-kill')
    const [b] = (await fleet(1, prefix)).members
    const [silent] = (await fleet(1, prefix, { bus: false })).members
    await silent.set('k', 'v1')
    expect(await b.get('k')).toBe('v1')
    expect(await b.peek('k')).toMatchObject({ value: 'v1', fresh: true })
    await silent.set('k', 'v2')
    expect(await b.get('k')).toBe('v1')
    // Only this file's fleets subscribe on the integration Cluster while it runs; the kill cuts their subscribers.
    await Promise.all(cluster.nodes('master').map((node) => node.client('KILL', 'TYPE', 'pubsub')))
    expect((await b.watch('k', 'v1', 10_000, 5)).value).toBe('v2')
    for (let read = 0; read < 20; read++) expect(await b.get('k')).toBe('v2')
    await vi.waitFor(async () => expect(await leaseKeys(prefix)).toEqual([]), {
      timeout: 2_000,
      interval: 20,
    })
  })
})
