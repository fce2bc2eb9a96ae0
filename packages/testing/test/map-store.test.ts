import { afterEach, describe, expect, it, vi } from 'vitest'
import type { CacheEntry } from '../../core/src/types.js'
import { createMapStore } from '../src/index.js'

const entry = (value: unknown): CacheEntry => ({
  value,
  createdAt: 0,
  freshUntil: 1,
  expiresAt: 2,
  graceUntil: 3,
})

afterEach(() => {
  vi.useRealTimers()
})

describe('createMapStore', () => {
  it('round-trips, overwrites and deletes synchronously by default', () => {
    const store = createMapStore('map')
    expect(store.name).toBe('map')
    expect(store.get('k')).toBeUndefined()
    store.set('k', entry(1), 1_000)
    store.set('k', entry(2), 1_000)
    expect(store.get('k')).toEqual(entry(2))
    store.delete('k')
    expect(store.get('k')).toBeUndefined()
  })

  it('forgets a key once its ttl has passed on Date.now', () => {
    vi.useFakeTimers({ now: 10_000 })
    const store = createMapStore('map')
    store.set('k', entry('v'), 100)
    vi.setSystemTime(10_099)
    expect(store.get('k')).toEqual(entry('v'))
    vi.setSystemTime(10_100)
    expect(store.get('k')).toBeUndefined()
    expect(store.size).toBe(0)
  })

  it('does not keep an entry written with a ttl of 0 or less', () => {
    const store = createMapStore('map')
    store.set('k', entry('v'), 0)
    expect(store.get('k')).toBeUndefined()
  })

  it('answers with promises when async', async () => {
    const store = createMapStore('remote', { async: true })
    const written = store.set('k', entry('v'), 1_000)
    expect(written).toBeInstanceOf(Promise)
    await written
    const read = store.get('k')
    expect(read).toBeInstanceOf(Promise)
    await expect(read).resolves.toEqual(entry('v'))
  })

  it('offers batch methods unless told not to', async () => {
    const store = createMapStore('map')
    await store.setMany?.([
      { key: 'a', entry: entry('a'), ttlMs: 1_000 },
      { key: 'b', entry: entry('b'), ttlMs: 1_000 },
    ])
    expect(await store.getMany?.(['a', 'missing', 'b'])).toEqual([entry('a'), undefined, entry('b')])
    await store.deleteMany?.(['a'])
    expect(store.get('a')).toBeUndefined()
    await store.clear()
    expect(store.size).toBe(0)

    const plain = createMapStore('plain', { batch: false })
    expect(plain.getMany).toBeUndefined()
    expect(plain.setMany).toBeUndefined()
    expect(plain.deleteMany).toBeUndefined()
  })
})
