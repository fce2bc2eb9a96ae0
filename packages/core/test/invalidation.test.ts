import { createFlakyStore, createMapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { TieredCache } from '../src/index.js'

function gate<T>() {
  let release!: (value: T) => void
  const promise = new Promise<T>((resolve) => {
    release = resolve
  })
  return { promise, release }
}

// Each test waits until queryFn really runs: a load that starts after an invalidation reads newer data
// and may be written, so only loads already running when it happens are the subject here.
describe('invalidation wins over a load in flight', () => {
  it('a delete during a load: the load answers its callers but does not write its older value', async () => {
    const store = createMapStore('l1')
    const cache = new TieredCache({ stores: [store] })
    const loading = gate<string>()
    const queryFn = vi.fn(() => loading.promise)
    const call = cache.swr({ queryKey: 'k', queryFn })
    await vi.waitFor(() => expect(queryFn).toHaveBeenCalled())
    await cache.delete('k')
    loading.release('before delete')
    await expect(call).resolves.toBe('before delete')
    expect(store.get('k')).toBeUndefined()
  })

  it('a set during a load: the value set stays', async () => {
    const store = createMapStore('l1')
    const cache = new TieredCache({ stores: [store] })
    const loading = gate<string>()
    const queryFn = vi.fn(() => loading.promise)
    const call = cache.swr({ queryKey: 'k', queryFn })
    await vi.waitFor(() => expect(queryFn).toHaveBeenCalled())
    await cache.set('k', 'set by hand')
    loading.release('loaded')
    await call
    await expect(cache.get('k')).resolves.toBe('set by hand')
  })

  it('a call after the invalidation starts a new load rather than joining the old one', async () => {
    const cache = new TieredCache({ stores: [createMapStore('l1')] })
    const old = gate<string>()
    const queryFn = vi.fn().mockReturnValueOnce(old.promise).mockResolvedValueOnce('fresh')
    const first = cache.swr({ queryKey: 'k', queryFn })
    await vi.waitFor(() => expect(queryFn).toHaveBeenCalled())
    await cache.delete('k')
    await expect(cache.swr({ queryKey: 'k', queryFn })).resolves.toBe('fresh')
    old.release('stale')
    await first
    await expect(cache.get('k')).resolves.toBe('fresh')
    expect(queryFn).toHaveBeenCalledTimes(2)
  })

  it('a clear during a load: nothing of the load is written', async () => {
    const store = createMapStore('l1')
    const cache = new TieredCache({ stores: [store] })
    const loading = gate<number>()
    const queryFn = vi.fn(() => loading.promise)
    const call = cache.swr({ queryKey: 'k', queryFn })
    await vi.waitFor(() => expect(queryFn).toHaveBeenCalled())
    await cache.clear()
    loading.release(1)
    await call
    expect(store.get('k')).toBeUndefined()
  })

  it('a delete during a read of a lower tier: the older entry is not written back above', async () => {
    const l1 = createMapStore('l1')
    const l2 = createFlakyStore(createMapStore('l2', { async: true }))
    const cache = new TieredCache({ stores: [l1, l2] })
    await cache.set('k', 'old')
    l1.delete('k')
    l2.delay('get', 30)
    l2.delay('getMany', 30)
    const read = cache.get('k')
    await cache.delete('k')
    await read
    expect(l1.get('k')).toBeUndefined()
  })
})
