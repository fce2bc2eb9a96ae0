// What a cache publishes on node:diagnostics_channel: one traced message per public call with how a read was
// answered, one per load with its part in the fleet and its outcome, one per store call, and the circuit and bus
// notices; a load runs inside the trace context of the call that started it. Stores here are in-process doubles;
// the same channels over a real Redis (store failures, a fleet's lease, a bus gap) are in tests/integration.

import { AsyncLocalStorage } from 'node:async_hooks'
import diagnostics from 'node:diagnostics_channel'
import { createFlakyStore, createMapStore, createMemoryBus } from '@tiered/testing'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type CacheStore,
  DiagnosticChannels,
  type LoadMessage,
  type OperationMessage,
  type StoreMessage,
  TieredCache,
} from '../src/index.js'

type Kind = 'operation' | 'load' | 'store'
interface Seen<M> {
  event: 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error'
  message: M
}

const stops: (() => void)[] = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

/** Every event of a traced channel, each with a copy of the message as it was then. */
function watch<M extends object>(kind: Kind) {
  const seen: Seen<M>[] = []
  const channel = diagnostics.tracingChannel<unknown, M>(DiagnosticChannels[kind])
  const copy = (event: Seen<M>['event']) => (message: M) => {
    const { result: _result, ...rest } = message as M & { result?: unknown }
    seen.push({ event, message: rest as M })
  }
  const handlers = {
    start: copy('start'),
    end: copy('end'),
    asyncStart: copy('asyncStart'),
    asyncEnd: copy('asyncEnd'),
    error: copy('error'),
  }
  channel.subscribe(handlers)
  stops.push(() => channel.unsubscribe(handlers))
  return {
    seen,
    /** The messages as they were when each call ended. */
    ended: () => seen.filter((s) => s.event === 'asyncEnd').map((s) => s.message),
  }
}

function listen<M>(name: string) {
  const seen: M[] = []
  const listener = (message: unknown) => seen.push({ ...(message as M) })
  diagnostics.subscribe(name, listener)
  stops.push(() => diagnostics.unsubscribe(name, listener))
  return seen
}

/** Resolves once `check` holds, polling; fails after 5 s. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  expect(check()).toBe(true)
}

describe('tiered:operation', () => {
  it('names every public call with its cache, operation and key, and says how a read was answered', async () => {
    const operations = watch<OperationMessage>('operation')
    let clock = 1_000_000
    const cache = new TieredCache({
      name: 'users',
      stores: [createMapStore('memory'), createMapStore('shared', { async: true })],
      now: () => clock,
    })
    const queryFn = () => 'v'
    await cache.swr({ queryKey: ['user', 1], queryFn, fresh: '1s', ttl: '1m' })
    await cache.swr({ queryKey: ['user', 1], queryFn, fresh: '1s', ttl: '1m' })
    clock += 2_000
    await cache.swr({ queryKey: ['user', 1], queryFn, fresh: '1s', ttl: '1m' })
    await cache.get(['user', 1])
    await cache.set('a', 1, { tags: ['t'] })
    await cache.swrMany({ queryKeys: ['a', 'b'], queryFn: (context) => context.keys.map(() => 2) })
    await cache.expire('a')
    await cache.delete('a')
    await cache.deleteByTag(['t'])
    await cache.expireByTag(['t', 'u'])
    await cache.clear()

    expect(operations.ended()).toEqual([
      { cache: 'users', operation: 'swr', key: 'user:1', state: 'miss' },
      { cache: 'users', operation: 'swr', key: 'user:1', state: 'fresh', tier: 'memory' },
      { cache: 'users', operation: 'swr', key: 'user:1', state: 'stale', tier: 'memory' },
      { cache: 'users', operation: 'get', key: 'user:1', state: expect.any(String), tier: 'memory' },
      { cache: 'users', operation: 'set', key: 'a' },
      // One key fresh in memory, one missing: a call of many keys carries the worst answer.
      { cache: 'users', operation: 'swrMany', keys: 2, state: 'miss' },
      { cache: 'users', operation: 'expire', key: 'a' },
      { cache: 'users', operation: 'delete', key: 'a' },
      { cache: 'users', operation: 'deleteByTag', tags: 1 },
      { cache: 'users', operation: 'expireByTag', tags: 2 },
      { cache: 'users', operation: 'clear' },
    ])
    // Each call: start, end (the synchronous part returned), then asyncStart and asyncEnd once it settled.
    expect(operations.seen.slice(0, 4).map((s) => s.event)).toEqual([
      'start',
      'end',
      'asyncStart',
      'asyncEnd',
    ])
  })

  it('a read answered from the tier below names that tier', async () => {
    const operations = watch<OperationMessage>('operation')
    const shared = createMapStore('shared', { async: true })
    const writer = new TieredCache({ stores: [shared] })
    await writer.set('k', 'v')
    const cache = new TieredCache({ stores: [createMapStore('memory'), shared] })
    await cache.swr({ queryKey: 'k', queryFn: () => 'loaded' })
    expect(operations.ended().at(-1)).toEqual({
      cache: 'default',
      operation: 'swr',
      key: 'k',
      state: 'fresh',
      tier: 'shared',
    })
  })

  it('grace: a failed load answered by an entry within staleIfError; the failure of a call without one', async () => {
    const operations = watch<OperationMessage>('operation')
    let clock = 1_000_000
    const cache = new TieredCache({ stores: [createMapStore('memory')], now: () => clock, onError: () => {} })
    await cache.swr({ queryKey: 'k', queryFn: () => 'old', ttl: '1s', staleIfError: '1h' })
    clock += 5_000
    const broken = new Error('source down')
    const fallback = await cache.swr({
      queryKey: 'k',
      queryFn: () => Promise.reject(broken),
      ttl: '1s',
      staleIfError: '1h',
    })
    expect(fallback).toBe('old')
    await expect(cache.swr({ queryKey: 'none', queryFn: () => Promise.reject(broken) })).rejects.toBe(broken)
    const ended = operations.ended()
    expect(ended[1]).toEqual({ cache: 'default', operation: 'swr', key: 'k', state: 'grace', tier: 'memory' })
    expect(ended[2]).toEqual({
      cache: 'default',
      operation: 'swr',
      key: 'none',
      state: 'miss',
      error: broken,
    })
    expect(operations.seen.filter((s) => s.event === 'error').map((s) => s.message.key)).toEqual(['none'])
  })

  it('bad input: the call rejects with its error, and the trace carries it', async () => {
    const operations = watch<OperationMessage>('operation')
    const cache = new TieredCache({ stores: [createMapStore('memory')] })
    await expect(cache.swr({ queryKey: [], queryFn: () => 1 })).rejects.toThrow(RangeError)
    expect(operations.ended()[0]).toMatchObject({ operation: 'swr', error: expect.any(RangeError) })
    expect(operations.ended()[0]?.key).toBeUndefined()
  })

  it('nothing is traced once the subscriber leaves', async () => {
    const operations = watch<OperationMessage>('operation')
    const cache = new TieredCache({ stores: [createMapStore('memory')] })
    await cache.set('k', 1)
    for (const stop of stops.splice(0)) stop()
    await cache.swr({ queryKey: 'k', queryFn: () => 2 })
    expect(operations.ended()).toHaveLength(1)
  })
})

describe('tiered:load', () => {
  it('a miss loads once however many callers, and the load is the child of the call that started it', async () => {
    const loads = watch<LoadMessage>('load')
    const trace = new AsyncLocalStorage<string>()
    // A tracer binds its context to `start`: what it sets there is active inside the traced call.
    const operation = diagnostics.tracingChannel<unknown, OperationMessage>(DiagnosticChannels.operation)
    const load = diagnostics.tracingChannel<unknown, LoadMessage>(DiagnosticChannels.load)
    operation.start.bindStore(trace, (message) => `${trace.getStore() ?? 'app'} > ${message.operation}`)
    load.start.bindStore(trace, () => `${trace.getStore()} > load`)
    stops.push(() => {
      operation.start.unbindStore(trace)
      load.start.unbindStore(trace)
    })
    const cache = new TieredCache({ name: 'c', stores: [createMapStore('memory')] })
    let inside: string | undefined
    const queryFn = async () => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      inside = trace.getStore()
      return 'v'
    }
    await trace.run('request', () =>
      Promise.all([cache.swr({ queryKey: 'k', queryFn }), cache.swr({ queryKey: 'k', queryFn })]),
    )
    expect(inside).toBe('request > swr > load')
    expect(loads.ended()).toEqual([
      { cache: 'c', key: 'k', background: false, fleet: 'alone', outcome: 'loaded' },
    ])
  })

  it('a stale entry is refreshed in the background', async () => {
    const loads = watch<LoadMessage>('load')
    let clock = 1_000_000
    const cache = new TieredCache({ stores: [createMapStore('memory')], now: () => clock })
    await cache.set('k', 'old', { fresh: '1s', ttl: '1h' })
    clock += 2_000
    expect(await cache.swr({ queryKey: 'k', queryFn: () => 'new' })).toBe('old')
    await until(() => loads.ended().length === 1)
    expect(loads.ended()).toEqual([
      { cache: 'default', key: 'k', background: true, fleet: 'alone', outcome: 'loaded' },
    ])
  })

  it('a stale entry already refreshed in the tier below is taken from there: from-fleet, no queryFn call', async () => {
    const loads = watch<LoadMessage>('load')
    let clock = 1_000_000
    const shared = createMapStore('shared', { async: true })
    const other = new TieredCache({ stores: [shared], now: () => clock })
    const cache = new TieredCache({ stores: [createMapStore('memory'), shared], now: () => clock })
    await cache.set('k', 'old', { fresh: '1s', ttl: '1h' })
    clock += 2_000
    await other.set('k', 'refreshed elsewhere', { fresh: '1m', ttl: '1h' })
    let calls = 0
    await cache.swr({ queryKey: 'k', queryFn: () => ++calls })
    await until(() => loads.ended().length === 1)
    expect(calls).toBe(0)
    expect(loads.ended()[0]).toMatchObject({ background: true, outcome: 'from-fleet' })
  })

  it('a load that fails, one that times out, and one superseded by a delete', async () => {
    const loads = watch<LoadMessage>('load')
    const cache = new TieredCache({ stores: [createMapStore('memory')] })
    const broken = new Error('source down')
    await expect(cache.swr({ queryKey: 'failed', queryFn: () => Promise.reject(broken) })).rejects.toBe(
      broken,
    )
    await expect(
      cache.swr({ queryKey: 'slow', queryFn: () => new Promise(() => {}), timeout: 20 }),
    ).rejects.toMatchObject({ code: 'TIERED_TIMEOUT' })
    let finish: (value: string) => void = () => {}
    const pending = cache.swr({
      queryKey: 'gone',
      queryFn: () =>
        new Promise<string>((resolve) => {
          finish = resolve
        }),
    })
    await until(() => loads.seen.filter((s) => s.event === 'start').length === 3)
    await cache.delete('gone')
    finish('older')
    expect(await pending).toBe('older')
    expect(loads.ended().map((m) => [m.key, m.outcome])).toEqual([
      ['failed', 'failed'],
      ['slow', 'timeout'],
      ['gone', 'superseded'],
    ])
    expect(loads.ended()[0]?.error).toBe(broken)
    expect(await cache.get('gone')).toBeUndefined()
  })

  it('swrMany: one load for all its misses, with the count of keys', async () => {
    const loads = watch<LoadMessage>('load')
    const cache = new TieredCache({ stores: [createMapStore('memory')] })
    await cache.set('a', 1)
    await cache.swrMany({ queryKeys: ['a', 'b', 'c'], queryFn: (context) => context.keys.map(() => 0) })
    expect(loads.ended()).toEqual([
      { cache: 'default', keys: 2, background: false, fleet: 'alone', outcome: 'loaded' },
    ])
  })
})

describe('tiered:store', () => {
  it('one message per call into a store, after batching, with failures as errors', async () => {
    const stores = watch<StoreMessage>('store')
    const shared = createFlakyStore(createMapStore('shared', { async: true }), {
      name: 'shared',
      async: true,
    })
    const cache = new TieredCache({
      name: 'c',
      stores: [createMapStore('memory'), shared],
      onError: () => {},
    })
    await cache.swrMany({ queryKeys: ['a', 'b'], queryFn: (context) => context.keys.map(() => 1) })
    const broken = new Error('shared down')
    shared.failNext('get', broken)
    await cache.swr({ queryKey: 'x', queryFn: () => 1 })
    const calls = stores
      .ended()
      .map((m) => [m.tier, m.operation, m.keys, m.error === undefined ? 'ok' : 'error'])
    expect(calls).toContainEqual(['shared', 'getMany', 2, 'ok'])
    expect(calls).toContainEqual(['memory', 'get', 1, 'ok'])
    expect(calls).toContainEqual(['shared', 'get', 1, 'error'])
    const failed = stores.ended().find((m) => m.error !== undefined)
    expect(failed).toMatchObject({ cache: 'c', error: { code: 'TIERED_STORE', cause: broken } })
    // A synchronous store (memory) answers in place; its trace still ends with asyncEnd.
    expect(stores.seen.slice(0, 4).map((s) => s.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
  })
})

describe('tiered:circuit', () => {
  it('a circuit that opens and closes', async () => {
    const circuits = listen<unknown>(DiagnosticChannels.circuit)
    const shared = createFlakyStore(createMapStore('shared', { async: true }), {
      name: 'shared',
      async: true,
    })
    const cache = new TieredCache({
      name: 'c',
      stores: [createMapStore('memory'), shared],
      circuitBreaker: { failureThreshold: 2, cooldown: '20ms' },
      onError: () => {},
    })
    shared.failAlways('get')
    await cache.get('a')
    await cache.get('b')
    expect(circuits).toEqual([{ cache: 'c', tier: 'shared', operations: 'reads', state: 'open' }])
    shared.heal()
    await until(() => circuits.length === 2)
    expect(circuits[1]).toEqual({ cache: 'c', tier: 'shared', operations: 'reads', state: 'closed' })
  })
})

describe('tiered:bus', () => {
  it('notices sent, received, and a gap', async () => {
    const notices = listen<unknown>(DiagnosticChannels.bus)
    const fleet = createMemoryBus()
    const shared = createMapStore('shared', { async: true })
    const one = new TieredCache({ name: 'one', stores: [localStore('m1'), shared], bus: fleet.bus() })
    const two = new TieredCache({ name: 'two', stores: [localStore('m2'), shared], bus: fleet.bus() })
    await Promise.all([one.ready(), two.ready()])
    await one.set('a', 1)
    await one.deleteByTag(['t1', 't2'])
    fleet.gap()
    await until(() => notices.length === 6)
    // A notice may be received before its sender hears that publish resolved: compare regardless of order.
    expect(notices).toHaveLength(6)
    expect(notices).toEqual(
      expect.arrayContaining([
        { cache: 'one', direction: 'sent', type: 'set', keys: 1 },
        { cache: 'two', direction: 'received', type: 'set', keys: 1 },
        { cache: 'one', direction: 'sent', type: 'tags', keys: 2 },
        { cache: 'two', direction: 'received', type: 'tags', keys: 2 },
        { cache: 'one', direction: 'gap', keys: 0 },
        { cache: 'two', direction: 'gap', keys: 0 },
      ]),
    )
  })
})

/** A synchronous Map store that says it is private to this process, as a memory tier does. */
function localStore(name: string): CacheStore {
  return Object.assign(createMapStore(name), { local: true })
}
