// failureBackoff: after a load fails and its call is answered from grace, later calls for the key serve that entry
// without calling queryFn for a while, so a source that is down is not called by every request.

import { createClock, createMapStore } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { TieredCache } from '../src/index.js'

function setup(failureBackoff?: number) {
  const clock = createClock()
  const cache = new TieredCache({
    stores: [createMapStore('memory')],
    now: clock.now,
    defaultStaleIfError: '1h',
    ...(failureBackoff === undefined ? {} : { failureBackoff }),
  })
  let calls = 0
  const failing = async (): Promise<string> => {
    calls++
    throw new Error('source down')
  }
  return { clock, cache, failing, calls: () => calls }
}

describe('failureBackoff', () => {
  it('serves the grace entry without loading while the key backs off, then loads again', async () => {
    const { clock, cache, failing, calls } = setup()
    await cache.set('k', 'kept', { ttl: 1_000 })
    clock.advance(1_000)
    await expect(cache.swr({ queryKey: 'k', queryFn: failing })).resolves.toBe('kept')
    expect(calls()).toBe(1)
    for (let i = 0; i < 3; i++) {
      await expect(cache.swr({ queryKey: 'k', queryFn: failing })).resolves.toBe('kept')
    }
    expect(calls()).toBe(1)
    expect(cache.stats().backoffHits).toBe(3)
    // The default back-off is 5 s.
    clock.advance(5_000)
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 'back' })).resolves.toBe('back')
    await cache.close()
  })

  it('per call, and 0 turns it off', async () => {
    const { clock, cache, failing, calls } = setup()
    await cache.set('k', 'kept', { ttl: 1_000 })
    clock.advance(1_000)
    await cache.swr({ queryKey: 'k', queryFn: failing, failureBackoff: 0 })
    await cache.swr({ queryKey: 'k', queryFn: failing, failureBackoff: '1s' })
    expect(calls()).toBe(2)
    await cache.swr({ queryKey: 'k', queryFn: failing })
    expect(calls()).toBe(2)
    clock.advance(1_000)
    await cache.swr({ queryKey: 'k', queryFn: failing })
    expect(calls()).toBe(3)
    await cache.close()
  })

  it('a call with no entry within grace still loads; forceFresh ignores the back-off', async () => {
    const { clock, cache, failing, calls } = setup()
    await cache.set('k', 'kept', { ttl: 1_000 })
    clock.advance(1_000)
    await cache.swr({ queryKey: 'k', queryFn: failing })
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 'forced', forceFresh: true })).resolves.toBe(
      'forced',
    )
    await expect(cache.swr({ queryKey: 'other', queryFn: failing })).rejects.toThrow('source down')
    expect(calls()).toBe(2)
    await cache.close()
  })

  it('holds for swrMany keys too, and a successful write ends it', async () => {
    const { clock, cache, calls } = setup(10_000)
    await cache.set('a', 'kept a', { ttl: 1_000 })
    clock.advance(1_000)
    const failingMany = async (): Promise<string[]> => {
      throw new Error('source down')
    }
    await expect(cache.swrMany({ queryKeys: ['a'], queryFn: failingMany })).resolves.toEqual(['kept a'])
    let manyCalls = 0
    const counting = async ({ keys }: { keys: readonly string[] }) => {
      manyCalls++
      return keys.map((key) => `new ${key}`)
    }
    await expect(cache.swrMany({ queryKeys: ['a'], queryFn: counting })).resolves.toEqual(['kept a'])
    expect(manyCalls).toBe(0)
    expect(calls()).toBe(0)
    await cache.set('a', 'set a', { ttl: 1_000 })
    clock.advance(1_000)
    await expect(cache.swrMany({ queryKeys: ['a'], queryFn: counting })).resolves.toEqual(['new a'])
    await cache.close()
  })

  it('a bad failureBackoff is a RangeError', async () => {
    expect(() => new TieredCache({ stores: [createMapStore('m')], failureBackoff: -1 })).toThrow(RangeError)
    const cache = new TieredCache({ stores: [createMapStore('m')] })
    await expect(
      cache.swr({ queryKey: 'k', queryFn: async () => 1, failureBackoff: 'soon' as never }),
    ).rejects.toThrow(RangeError)
    await cache.close()
  })
})

describe('failureBackoff ends with an invalidation', () => {
  it('expire() of a key that backs off makes the next call load', async () => {
    const { clock, cache, failing, calls } = setup()
    await cache.set('k', 'kept', { ttl: 1_000 })
    clock.advance(1_000)
    await cache.swr({ queryKey: 'k', queryFn: failing })
    expect(calls()).toBe(1)
    await cache.expire('k')
    await expect(cache.swr({ queryKey: 'k', queryFn: async () => 'reloaded' })).resolves.toBe('reloaded')
    await cache.close()
  })
})
