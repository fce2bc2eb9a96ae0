// The fleet cases that hold on any Redis deployment, shared by the single-node and the Cluster test files: each
// starts its processes through `ctx.fleet` (which the test file stops afterwards) and asserts what issue 10 asks.

import { expect, vi } from 'vitest'
import type { Fleet } from './fleet-harness.js'
import type { FleetConfig } from './fleet-protocol.js'
import { uniquePrefix } from './redis.js'

export interface FleetCaseContext {
  label: string
  /** Starts `count` processes over the deployment under test; the test file stops them. */
  fleet(count: number, prefix: string, extra?: Partial<FleetConfig>): Promise<Fleet>
  /** Every fleet started so far in this test. */
  fleets: Fleet[]
  /** Lease keys under `prefix` on every node. */
  leaseKeys(prefix: string): Promise<string[]>
}

/** A set and a delete in one process are seen by three others within 1 s. */
export async function propagation(ctx: FleetCaseContext): Promise<void> {
  const prefix = uniquePrefix(`${ctx.label}-fleet-propagation`)
  const [a, ...others] = (await ctx.fleet(4, prefix)).members
  await a.set('k', 'v1')
  // Each of the others now holds v1 in memory, fresh for an hour: without a notice it would serve it that long.
  // (Read again until A's notice of v1 itself has passed, which drops a copy read before it.)
  await vi.waitFor(
    async () => {
      for (const member of others) {
        expect(await member.get('k')).toBe('v1')
        expect(await member.peek('k')).toMatchObject({ value: 'v1', fresh: true })
      }
    },
    { timeout: 5_000, interval: 20 },
  )

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
}

/** 4 processes x 250 callers on a cold key: 1 load, every caller gets the value, no lease left. */
export async function coldKey(ctx: FleetCaseContext): Promise<void> {
  const prefix = uniquePrefix(`${ctx.label}-fleet-cold`)
  const { members, loadsOf } = await ctx.fleet(4, prefix)
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
  await vi.waitFor(async () => expect(await ctx.leaseKeys(prefix)).toEqual([]), {
    timeout: 2_000,
    interval: 20,
  })
}

/** The lease holder SIGKILLed during its load: exactly one other process loads after the lease. */
export async function holderDies(ctx: FleetCaseContext): Promise<void> {
  const prefix = uniquePrefix(`${ctx.label}-fleet-holder-dies`)
  const lockTtlMs = 2_000
  const { members, loadsOf, waitForLoads } = await ctx.fleet(4, prefix, { lockTtlMs })
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
  await vi.waitFor(async () => expect(await ctx.leaseKeys(prefix)).toEqual([]), {
    timeout: 2_000,
    interval: 20,
  })
}

/** One refresh per fleet on a stale key. */
export async function oneRefresh(ctx: FleetCaseContext): Promise<void> {
  const prefix = uniquePrefix(`${ctx.label}-fleet-refresh`)
  const { members, loadsOf } = await ctx.fleet(4, prefix, { freshMs: 300 })
  const [a] = members
  await a.swr({ key: 'k', callers: 1, loadMs: 0, value: 'v1' })
  // Every member holds v1 in memory until it goes stale. (A get, which never loads, puts back a copy that A's own
  // notice of its load dropped when it arrived after that member's first read.)
  await vi.waitFor(
    async () => {
      for (const member of members) {
        expect(await member.get('k')).toBe('v1')
        expect(await member.peek('k')).toMatchObject({ value: 'v1', fresh: false })
      }
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
  await vi.waitFor(async () => expect(await ctx.leaseKeys(prefix)).toEqual([]), {
    timeout: 2_000,
    interval: 20,
  })
}

/** A stale memory entry whose Redis copy is fresh is backfilled and no load runs. */
export async function refreshFromBelow(ctx: FleetCaseContext): Promise<void> {
  const prefix = uniquePrefix(`${ctx.label}-fleet-below`)
  const [a] = (await ctx.fleet(1, prefix, { freshMs: 400 })).members
  // B hears no notices, so its memory keeps the stale entry until it reads below.
  const [b] = (await ctx.fleet(1, prefix, { freshMs: 400, bus: false })).members
  const loads = () => ctx.fleets.flatMap((f) => f.loadsOf('k'))
  await a.swr({ key: 'k', callers: 1, loadMs: 0, value: 'v1' })
  expect(await b.get('k')).toBe('v1')
  await vi.waitFor(
    async () => {
      expect(await a.peek('k')).toMatchObject({ value: 'v1', fresh: false })
      expect(await b.peek('k')).toMatchObject({ value: 'v1', fresh: false })
    },
    { timeout: 5_000, interval: 50 },
  )
  // A refreshes: its stale hit starts a background load, which writes a fresh v2 to Redis.
  expect((await a.swr({ key: 'k', callers: 1, loadMs: 0, value: 'v2' }))?.values).toEqual(['v1'])
  await vi.waitFor(() => expect(loads()).toHaveLength(2), { timeout: 5_000, interval: 20 })
  await vi.waitFor(async () => expect(await a.get('k')).toBe('v2'), { timeout: 5_000, interval: 20 })
  expect(await b.peek('k')).toMatchObject({ value: 'v1', fresh: false })

  // B's stale hit reads Redis first: the fresh v2 there is backfilled into its memory, and B loads nothing.
  expect((await b.swr({ key: 'k', callers: 5, loadMs: 0, value: 'from-b' }))?.values).toEqual(
    Array(5).fill('v1'),
  )
  await vi.waitFor(async () => expect(await b.peek('k')).toMatchObject({ value: 'v2', fresh: true }), {
    timeout: 5_000,
    interval: 20,
  })
  expect(await b.get('k')).toBe('v2')
  expect(loads().filter((load) => load.pid === b.pid)).toEqual([])
  expect(loads()).toHaveLength(2)
}
