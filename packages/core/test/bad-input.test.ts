// The bad-input table of the public API: every row is a typed error or a miss, nothing cached wrongly,
// nothing lost, and no unhandled rejection.

import { setTimeout as sleep } from 'node:timers/promises'
import { createFlakyStore, createMapStore } from '@tiered/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CacheTimeoutError, type SwrOptions, TieredCache } from '../src/index.js'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled)
})
afterAll(async () => {
  await sleep(50)
  process.off('unhandledRejection', onUnhandled)
  expect(unhandled).toEqual([])
})

function setup() {
  const store = createFlakyStore(createMapStore('l1'))
  const cache = new TieredCache({ stores: [store] })
  return { store, cache }
}

const untouched = (store: ReturnType<typeof setup>['store']) =>
  Object.values(store.calls).reduce((sum, calls) => sum + calls, 0)

describe('durations', () => {
  const bad: [string, Partial<SwrOptions<number>>][] = [
    ['negative ttl', { ttl: -1 }],
    ['zero ttl', { ttl: 0 }],
    ['NaN ttl', { ttl: Number.NaN }],
    ['negative infinite ttl', { ttl: Number.NEGATIVE_INFINITY }],
    ['unparsable ttl', { ttl: 'forever' as never }],
    ['negative fresh', { fresh: -1 }],
    ['fresh above ttl', { ttl: '1s', fresh: '2s' }],
    ['NaN staleIfError', { staleIfError: Number.NaN }],
    ['unparsable staleIfError', { staleIfError: '1 hour' as never }],
    ['negative timeout', { timeout: -10 }],
    ['zero timeout', { timeout: 0 }],
    ['infinite softTimeout', { softTimeout: Number.POSITIVE_INFINITY }],
    ['unparsable softTimeout', { softTimeout: '2 seconds' as never }],
  ]
  it.each(bad)(
    '%s: swr rejects with a RangeError, reads nothing, writes nothing, loads nothing',
    async (_, options) => {
      const { store, cache } = setup()
      const queryFn = vi.fn(async () => 1)
      await expect(cache.swr({ queryKey: 'k', queryFn, ...options })).rejects.toBeInstanceOf(RangeError)
      expect(queryFn).not.toHaveBeenCalled()
      expect(untouched(store)).toBe(0)
    },
  )

  it.each(bad.filter(([, options]) => options.timeout === undefined && options.softTimeout === undefined))(
    '%s: set rejects with a RangeError and writes nothing',
    async (_, options) => {
      const { store, cache } = setup()
      await expect(cache.set('k', 1, options)).rejects.toBeInstanceOf(RangeError)
      expect(untouched(store)).toBe(0)
    },
  )
})

describe('keys', () => {
  it.each([
    ['an empty string', '', RangeError],
    ['an empty array', [], RangeError],
    ['an object part', [{}], TypeError],
    ['a null part', [null], TypeError],
    ['a number', 42, TypeError],
    ['undefined', undefined, TypeError],
  ] as const)('%s is refused before anything is read', async (_, queryKey, type) => {
    const { store, cache } = setup()
    const queryFn = vi.fn(async () => 1)
    await expect(cache.swr({ queryKey: queryKey as never, queryFn })).rejects.toBeInstanceOf(type)
    await expect(cache.get(queryKey as never)).rejects.toBeInstanceOf(type)
    await expect(cache.set(queryKey as never, 1)).rejects.toBeInstanceOf(type)
    await expect(cache.delete(queryKey as never)).rejects.toBeInstanceOf(type)
    expect(queryFn).not.toHaveBeenCalled()
    expect(untouched(store)).toBe(0)
  })

  it('a 1 MiB key round-trips', async () => {
    const { cache } = setup()
    const key = 'k'.repeat(1024 * 1024)
    await expect(cache.swr({ queryKey: key, queryFn: async () => 'big' })).resolves.toBe('big')
    await expect(cache.get(key)).resolves.toBe('big')
    await expect(cache.get(`${key}x`)).resolves.toBeUndefined()
  })
})

describe('loaders', () => {
  it.each([
    ['a string', 'plain string'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['a plain object', { code: 'E_LOAD' }],
  ])(
    'one that throws %s rejects with that very value, caches nothing, and the next call loads again',
    async (_, thrown) => {
      const { store, cache } = setup()
      await expect(
        cache.swr({
          queryKey: 'k',
          queryFn: async () => {
            throw thrown
          },
        }),
      ).rejects.toBe(thrown)
      expect(store.inner.get('k')).toBeUndefined()
      expect(cache.stats().loadErrors).toBe(1)
      await expect(cache.swr({ queryKey: 'k', queryFn: async () => 'ok' })).resolves.toBe('ok')
    },
  )

  it('one that returns a rejected thenable rejects with its reason', async () => {
    const { cache } = setup()
    const reason = new Error('thenable')
    const rejected: PromiseLike<number> = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise is the input under test
      then: (_resolve, reject) => {
        reject?.(reason)
        return rejected as never
      },
    }
    await expect(cache.swr({ queryKey: 'k', queryFn: () => rejected })).rejects.toBe(reason)
  })

  it('one that never settles ends with CacheTimeoutError under a timeout, caches nothing, and frees the key', async () => {
    const { store, cache } = setup()
    await expect(
      cache.swr({ queryKey: 'k', queryFn: () => new Promise<number>(() => {}), timeout: 20 }),
    ).rejects.toBeInstanceOf(CacheTimeoutError)
    expect(store.inner.get('k')).toBeUndefined()
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 2 })).resolves.toBe(2)
  })

  it('a queryFn that is not a function is a TypeError', async () => {
    const { cache } = setup()
    await expect(cache.swr({ queryKey: 'k', queryFn: 'nope' as never })).rejects.toBeInstanceOf(TypeError)
  })

  it('a stale refresh that never settles under a timeout is reported and lets the next refresh run', async () => {
    let now = 1_000
    const cache = new TieredCache({
      stores: [createMapStore('l1')],
      now: () => now,
      defaultTtl: '1m',
      defaultFresh: '1s',
    })
    const errors: unknown[] = []
    cache.on('error', (event) => errors.push(event.error))
    await cache.swr({ queryKey: 'k', queryFn: async () => 1 })
    now += 2_000
    await expect(
      cache.swr({ queryKey: 'k', queryFn: () => new Promise<number>(() => {}), timeout: 20 }),
    ).resolves.toBe(1)
    await vi.waitFor(() => expect(errors[0]).toBeInstanceOf(CacheTimeoutError))
    await cache.swr({ queryKey: 'k', queryFn: async () => 2 })
    await vi.waitFor(async () => expect(await cache.get('k')).toBe(2))
  })
})
