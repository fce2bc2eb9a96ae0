import { setTimeout as sleep } from 'node:timers/promises'
import { createClock, createFlakyStore, createMapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { CacheTimeoutError, TieredCache } from '../src/index.js'

/** A promise and the functions that settle it, for loads that finish when the test says so. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function setup() {
  const clock = createClock()
  const store = createMapStore('l1')
  const cache = new TieredCache({
    stores: [store],
    now: clock.now,
    defaultTtl: '1m',
    defaultStaleIfError: '1h',
  })
  return { clock, store, cache }
}

describe('timeout', () => {
  it('rejects with CacheTimeoutError and aborts the signal when the load takes longer', async () => {
    const { cache } = setup()
    let signal: AbortSignal | undefined
    const started = performance.now()
    const call = cache.swr({
      queryKey: 'slow',
      timeout: 30,
      queryFn: (context) => {
        signal = context.signal
        return new Promise<string>(() => {})
      },
    })
    await expect(call).rejects.toBeInstanceOf(CacheTimeoutError)
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(signal?.aborted).toBe(true)
    expect(signal?.reason).toBeInstanceOf(CacheTimeoutError)
    await expect(call).rejects.toMatchObject({ name: 'CacheTimeoutError', key: 'slow', timeoutMs: 30 })
  })

  it('serves an entry within grace instead of timing out', async () => {
    const { cache, clock } = setup()
    await cache.swr({ queryKey: 'k', queryFn: async () => 'cached' })
    clock.advance(2 * 60_000)
    await expect(
      cache.swr({ queryKey: 'k', timeout: 20, queryFn: () => new Promise<string>(() => {}) }),
    ).resolves.toBe('cached')
  })

  it('a late result of a timed-out load is not cached', async () => {
    const { cache, store } = setup()
    const load = deferred<string>()
    const call = cache.swr({ queryKey: 'k', timeout: 10, queryFn: () => load.promise })
    await expect(call).rejects.toBeInstanceOf(CacheTimeoutError)
    load.resolve('late')
    await load.promise
    await sleep(10) // a write of the late result would have happened by now: it runs in the load's microtasks
    expect(store.get('k')).toBeUndefined()
  })

  it('a caller who joins a running load gives up after its own timeout; the load goes on for the others', async () => {
    const { cache } = setup()
    await cache.get('warm-up') // the tier is now known to answer synchronously, so the first call starts the load
    let release!: (value: string) => void
    const queryFn = () =>
      new Promise<string>((resolve) => {
        release = resolve
      })
    const patient = cache.swr({ queryKey: 'k', queryFn })
    const hasty = cache.swr({ queryKey: 'k', queryFn, timeout: 10 })
    await expect(hasty).rejects.toBeInstanceOf(CacheTimeoutError)
    release('v')
    await expect(patient).resolves.toBe('v')
  })

  it('a load that succeeded is never aborted by its timeout while its tier writes run', async () => {
    const l1 = createMapStore('l1')
    const slow = createFlakyStore(createMapStore('l2', { async: true }), { name: 'l2' })
    slow.delay('set', 120)
    slow.delay('setMany', 120)
    const cache = new TieredCache({ stores: [l1, slow], storeTimeout: '2s' })
    await cache.get('warm-up')
    let signal: AbortSignal | undefined
    const options = {
      queryKey: 'k',
      timeout: 60,
      queryFn: async (context: { signal: AbortSignal }) => {
        signal = context.signal
        await sleep(20)
        return 'ok'
      },
    }
    const first = cache.swr(options)
    await sleep(5)
    const joined = cache.swr(options)
    await expect(first).resolves.toBe('ok')
    await expect(joined).resolves.toBe('ok')
    expect(signal?.aborted).toBe(false)
  })

  it('a zero or negative timeout is a RangeError and nothing runs', async () => {
    const { cache } = setup()
    const queryFn = vi.fn(async () => 1)
    await expect(cache.swr({ queryKey: 'k', queryFn, timeout: 0 })).rejects.toThrow(RangeError)
    await expect(cache.swr({ queryKey: 'k', queryFn, timeout: -5 })).rejects.toThrow(RangeError)
    expect(queryFn).not.toHaveBeenCalled()
  })
})

describe('softTimeout', () => {
  it('serves the entry within grace when the load is slow, and the load still writes its result', async () => {
    const { cache, clock } = setup()
    await cache.swr({ queryKey: 'k', queryFn: async () => 'old' })
    clock.advance(2 * 60_000)
    const load = deferred<string>()
    const value = await cache.swr({ queryKey: 'k', softTimeout: 20, queryFn: () => load.promise })
    expect(value).toBe('old') // served while the load is still running
    load.resolve('new')
    await vi.waitFor(async () => expect(await cache.get('k')).toBe('new'))
  })

  it('waits for the load when there is nothing within grace to serve', async () => {
    const { cache } = setup()
    await expect(cache.swr({ queryKey: 'k', softTimeout: 5, queryFn: () => sleep(30, 'v') })).resolves.toBe(
      'v',
    )
  })

  it('a load abandoned by softTimeout that then fails is reported, not unhandled', async () => {
    const { cache, clock } = setup()
    const errors: unknown[] = []
    cache.on('error', (event) => errors.push(event.error))
    await cache.swr({ queryKey: 'k', queryFn: async () => 'old' })
    clock.advance(2 * 60_000)
    const boom = new Error('late failure')
    const load = deferred<string>()
    const value = await cache.swr({ queryKey: 'k', softTimeout: 5, queryFn: () => load.promise })
    expect(value).toBe('old')
    load.reject(boom)
    await vi.waitFor(() => expect(errors).toContain(boom))
  })
})

describe('storeTimeout', () => {
  it('a tier that hangs counts as a miss after the tier timeout, and the load does not wait for its write too', async () => {
    const l2 = createFlakyStore(createMapStore('l2', { async: true }))
    const errors: unknown[] = []
    const cache = new TieredCache({
      stores: [createMapStore('l1'), l2],
      storeTimeout: 30,
      onError: (e) => errors.push(e),
    })
    l2.hang('get')
    l2.hang('set')
    const started = performance.now()
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 'loaded' })).resolves.toBe('loaded')
    expect(performance.now() - started).toBeLessThan(5_000)
    // Only the read has timed out when the call returns; the write to the failing tier times out on its own.
    expect(errors).toHaveLength(1)
    await vi.waitFor(() => expect(errors).toHaveLength(2))
    expect(cache.stats().storeErrors).toBe(2)
    l2.heal()
  })
})
