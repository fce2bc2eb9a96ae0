import { setTimeout } from 'node:timers/promises'
import type { CacheEntry, CacheStore } from '@tiered/core'
import { describe, expect, it } from 'vitest'
import { createFlakyStore, createMapStore, InjectedStoreError } from '../src/index.js'

const entry = (value: unknown): CacheEntry => ({
  value,
  createdAt: 0,
  freshUntil: 1,
  expiresAt: 2,
  graceUntil: 3,
})

/** Resolves true if `promise` is still pending after the current macrotask queue drains. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  promise.then(
    () => {
      settled = true
    },
    () => {
      settled = true
    },
  )
  await setTimeout(20)
  return !settled
}

describe('createFlakyStore', () => {
  it('passes calls through, names itself after the inner store, and counts calls', () => {
    const store = createFlakyStore(createMapStore('memory'))
    expect(store.name).toBe('flaky(memory)')
    expect(createFlakyStore(createMapStore('memory'), { name: 'tier-1' }).name).toBe('tier-1')
    store.set('k', entry('v'), 1_000)
    expect(store.get('k')).toEqual(entry('v'))
    expect(store.get('nope')).toBeUndefined()
    expect(store.calls).toMatchObject({ get: 2, set: 1, delete: 0 })
  })

  it('fails the next calls once each, then recovers on its own', () => {
    const store = createFlakyStore(createMapStore('memory'))
    store.set('k', entry('v'), 1_000)
    const custom = new Error('boom')
    store.failNext('get')
    store.failNext('get', custom)
    expect(() => store.get('k')).toThrow(InjectedStoreError)
    expect(() => store.get('k')).toThrow(custom)
    expect(store.get('k')).toEqual(entry('v'))
    expect(store.calls.get).toBe(3)
  })

  it('names the failing operation and store in the default error', () => {
    const store = createFlakyStore(createMapStore('memory'))
    store.failAlways('all')
    expect(() => store.delete('k')).toThrow(/delete failure in store "flaky\(memory\)"/)
  })

  it('fails every call until healed', () => {
    const store = createFlakyStore(createMapStore('memory'))
    store.failAlways('set')
    expect(() => store.set('k', entry('v'), 1_000)).toThrow(InjectedStoreError)
    expect(() => store.set('k', entry('v'), 1_000)).toThrow(InjectedStoreError)
    expect(store.get('k')).toBeUndefined()
    store.heal()
    store.set('k', entry('v'), 1_000)
    expect(store.get('k')).toEqual(entry('v'))
  })

  it('turns failures into rejections and every answer into a promise when async', async () => {
    const store = createFlakyStore(createMapStore('memory'), { async: true })
    const written = store.set('k', entry('v'), 1_000)
    expect(written).toBeInstanceOf(Promise)
    await written
    await expect(store.get('k')).resolves.toEqual(entry('v'))
    store.failAlways('all')
    const failed = store.get('k')
    expect(failed).toBeInstanceOf(Promise)
    await expect(failed).rejects.toBeInstanceOf(InjectedStoreError)
  })

  it('delays calls, and fails after the delay when a failure is injected too', async () => {
    const store = createFlakyStore(createMapStore('memory'))
    store.set('k', entry('v'), 1_000)
    // A long delay checked by "still pending" rather than by elapsed time: timers may fire a little early by
    // performance.now() (libuv's cached loop time), more so on a busy machine.
    store.delay('get', 300)
    const delayed = store.get('k')
    expect(delayed).toBeInstanceOf(Promise)
    expect(await isPending(delayed as Promise<unknown>)).toBe(true)
    await expect(delayed).resolves.toEqual(entry('v'))
    store.failNext('get')
    await expect(store.get('k')).rejects.toBeInstanceOf(InjectedStoreError)
    expect(() => store.delay('get', -1)).toThrow(RangeError)
  })

  it('hangs calls until heal, then lets them through', async () => {
    const store = createFlakyStore(createMapStore('memory'))
    store.set('k', entry('v'), 1_000)
    store.hang('get')
    const hung = Promise.resolve(store.get('k'))
    expect(await isPending(hung)).toBe(true)
    expect(store.delete('other')).toBeUndefined()
    store.heal()
    await expect(hung).resolves.toEqual(entry('v'))
  })

  it('exposes batch methods and clear only when the inner store has them', async () => {
    const inner: CacheStore = { name: 'bare', get: () => undefined, set: () => {}, delete: () => {} }
    const bare = createFlakyStore(inner)
    expect(bare.getMany).toBeUndefined()
    expect(bare.setMany).toBeUndefined()
    expect(bare.deleteMany).toBeUndefined()
    expect(bare.clear).toBeUndefined()

    const store = createFlakyStore(createMapStore('memory'))
    await store.setMany?.([{ key: 'a', entry: entry('a'), ttlMs: 1_000 }])
    store.failNext('getMany')
    expect(() => store.getMany?.(['a'])).toThrow(InjectedStoreError)
    expect(await store.getMany?.(['a'])).toEqual([entry('a')])
    store.failAlways('clear')
    expect(() => store.clear?.()).toThrow(InjectedStoreError)
    expect(store.calls).toMatchObject({ setMany: 1, getMany: 2, clear: 1 })
  })
})
