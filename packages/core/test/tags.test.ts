import { createClock, createFlakyStore, createMapStore, type MapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { type CacheEntry, type CacheStore, TieredCache } from '../src/index.js'
import { DELETED, LIVE, TagStamps } from '../src/tag-stamps.js'
import { Tier } from '../src/tier.js'

/** A synchronous map store that says it is private to the process, as the memory store does. */
function localStore(name: string): MapStore {
  const store = createMapStore(name)
  Object.defineProperty(store, 'local', { value: true })
  return store
}

function gate<T>() {
  let release!: (value: T) => void
  let fail!: (error: unknown) => void
  const promise = new Promise<T>((resolve, reject) => {
    release = resolve
    fail = reject
  })
  return { promise, release, fail }
}

/** A local memory-like tier over a shared asynchronous one, on a manual clock. */
function twoTiers(options: { tagTtl?: number; shared?: CacheStore } = {}) {
  const clock = createClock()
  const l1 = localStore('l1')
  const l2 = createMapStore('l2', { async: true })
  const cache = new TieredCache({
    stores: [l1, options.shared ?? l2],
    now: clock.now,
    defaultTtl: '1m',
    defaultFresh: '10s',
    ...(options.tagTtl === undefined ? {} : { tagTtl: options.tagTtl }),
  })
  return { clock, l1, l2, cache }
}

const STAMP = '__tiered:tag:'

describe('tags are stored on the entry', () => {
  it('swr({ tags }) writes them to every tier', async () => {
    const { cache, l1, l2 } = twoTiers()
    await cache.swr({ queryKey: 'k', queryFn: () => 'v', tags: ['a', 'b'] })
    expect((l1.get('k') as CacheEntry).tags).toEqual(['a', 'b'])
    expect(((await l2.get('k')) as CacheEntry).tags).toEqual(['a', 'b'])
  })

  it('set(key, value, { tags }) writes them', async () => {
    const { cache, l1 } = twoTiers()
    await cache.set('k', 1, { tags: ['a'] })
    expect((l1.get('k') as CacheEntry).tags).toEqual(['a'])
  })

  it('setOptions({ tags }) inside queryFn adds them to the call’s tags', async () => {
    const { cache, l2 } = twoTiers()
    await cache.swr({
      queryKey: 'k',
      tags: ['call'],
      queryFn: ({ setOptions }) => {
        setOptions({ tags: ['chosen'] })
        return 'v'
      },
    })
    const entry = (await l2.get('k')) as CacheEntry
    expect([...(entry.tags ?? [])].sort()).toEqual(['call', 'chosen'])
  })

  it('setOptions tags alone make a tagged entry that deleteByTag reaches', async () => {
    const { cache } = twoTiers()
    let loads = 0
    const queryFn = ({ setOptions }: { setOptions(o: { tags: string[] }): void }) => {
      setOptions({ tags: ['user:1'] })
      return ++loads
    }
    await expect(cache.swr({ queryKey: 'k', queryFn })).resolves.toBe(1)
    await cache.deleteByTag(['user:1'])
    await expect(cache.swr({ queryKey: 'k', queryFn })).resolves.toBe(2)
  })

  it('untagged entries carry no tags field', async () => {
    const { cache, l1 } = twoTiers()
    await cache.set('k', 1)
    expect('tags' in (l1.get('k') as CacheEntry)).toBe(false)
  })

  it('bad tags are a TypeError and nothing is written', async () => {
    const { cache, l1 } = twoTiers()
    await expect(cache.set('k', 1, { tags: [''] })).rejects.toThrow(TypeError)
    await expect(cache.swr({ queryKey: 'k', queryFn: () => 1, tags: 'a' as never })).rejects.toThrow(
      TypeError,
    )
    await expect(cache.deleteByTag([])).rejects.toThrow(TypeError)
    await expect(cache.expireByTag([1 as never])).rejects.toThrow(TypeError)
    expect(l1.size).toBe(0)
  })
})

describe('deleteByTag: hard', () => {
  it('a tagged entry becomes a miss on every read path; untagged and other tags stay', async () => {
    const { cache } = twoTiers()
    await cache.set('tagged', 'old', { tags: ['t'] })
    await cache.set('other', 'keep', { tags: ['u'] })
    await cache.set('plain', 'keep')
    await cache.deleteByTag(['t'])
    await expect(cache.get('tagged')).resolves.toBeUndefined()
    await expect(cache.swr({ queryKey: 'tagged', queryFn: () => 'new', tags: ['t'] })).resolves.toBe('new')
    await expect(cache.get('other')).resolves.toBe('keep')
    await expect(cache.get('plain')).resolves.toBe('keep')
  })

  it('an entry with several tags goes when any one of them is invalidated', async () => {
    const { cache } = twoTiers()
    await cache.set('k', 'v', { tags: ['a', 'b'] })
    await cache.deleteByTag(['b'])
    await expect(cache.get('k')).resolves.toBeUndefined()
  })

  it('is not served as a grace fallback when the reload fails, even with staleIfError', async () => {
    const { cache, clock } = twoTiers()
    await cache.swr({ queryKey: 'k', queryFn: () => 'old', tags: ['t'], staleIfError: '1h' })
    clock.advance(1)
    await cache.deleteByTag(['t'])
    clock.advance(1)
    const boom = new Error('source down')
    await expect(
      cache.swr({ queryKey: 'k', queryFn: () => Promise.reject(boom), tags: ['t'], staleIfError: '1h' }),
    ).rejects.toBe(boom)
  })

  it('a value written right after the invalidation, in the same millisecond, is kept', async () => {
    const { cache } = twoTiers()
    await cache.set('k', 'old', { tags: ['t'] })
    await cache.deleteByTag(['t'])
    await cache.set('k', 'new', { tags: ['t'] })
    await expect(cache.get('k')).resolves.toBe('new')
  })

  it('a reload after the invalidation is cached, not loaded again on the next call (same millisecond)', async () => {
    const { cache } = twoTiers()
    const queryFn = vi.fn(async () => 'v')
    await cache.swr({ queryKey: 'k', queryFn, tags: ['t'] })
    await cache.deleteByTag(['t'])
    await cache.swr({ queryKey: 'k', queryFn, tags: ['t'] })
    await cache.swr({ queryKey: 'k', queryFn, tags: ['t'] })
    expect(queryFn).toHaveBeenCalledTimes(2)
  })

  it('a load that started before the invalidation writes a value that is already a miss', async () => {
    const { cache, clock } = twoTiers()
    const loading = gate<string>()
    const queryFn = vi.fn(() => loading.promise)
    const call = cache.swr({ queryKey: 'k', queryFn, tags: ['t'] })
    await vi.waitFor(() => expect(queryFn).toHaveBeenCalled())
    clock.advance(5)
    await cache.deleteByTag(['t'])
    clock.advance(5)
    loading.release('before the invalidation')
    await expect(call).resolves.toBe('before the invalidation')
    await expect(cache.get('k')).resolves.toBeUndefined()
  })

  it('writes one stamp per tag whatever the number of entries, and deletes no entry', async () => {
    const { cache, l2 } = twoTiers()
    for (let i = 0; i < 500; i++) await cache.set(`k${i}`, i, { tags: ['t'] })
    const before = { ...l2.calls }
    await cache.deleteByTag(['t'])
    expect(l2.calls.set + l2.calls.setMany - before.set - before.setMany).toBe(1)
    expect(l2.calls.delete + l2.calls.deleteMany).toBe(before.delete + before.deleteMany)
    for (let i = 0; i < 500; i += 50) await expect(cache.get(`k${i}`)).resolves.toBeUndefined()
  })
})

describe('expireByTag: soft', () => {
  it('the next swr waits for a reload and returns the new value', async () => {
    const { cache } = twoTiers()
    await cache.swr({ queryKey: 'k', queryFn: () => 'old', tags: ['t'], staleIfError: '1h' })
    await cache.expireByTag(['t'])
    await expect(cache.get('k')).resolves.toBeUndefined()
    const queryFn = vi.fn(async () => 'new')
    await expect(cache.swr({ queryKey: 'k', queryFn, tags: ['t'], staleIfError: '1h' })).resolves.toBe('new')
    expect(queryFn).toHaveBeenCalledTimes(1)
    await expect(cache.get('k')).resolves.toBe('new')
  })

  it('with staleIfError, a failed reload serves the expired value and reports the error', async () => {
    const { cache } = twoTiers()
    const errors: unknown[] = []
    cache.on('error', ({ error }) => errors.push(error))
    await cache.swr({ queryKey: 'k', queryFn: () => 'old', tags: ['t'], staleIfError: '1h' })
    await cache.expireByTag(['t'])
    const boom = new Error('source down')
    await expect(
      cache.swr({ queryKey: 'k', queryFn: () => Promise.reject(boom), tags: ['t'], staleIfError: '1h' }),
    ).resolves.toBe('old')
    expect(errors).toContain(boom)
  })

  it('without staleIfError a failed reload rejects', async () => {
    const { cache } = twoTiers()
    await cache.swr({ queryKey: 'k', queryFn: () => 'old', tags: ['t'] })
    await cache.expireByTag(['t'])
    const boom = new Error('source down')
    await expect(cache.swr({ queryKey: 'k', queryFn: () => Promise.reject(boom), tags: ['t'] })).rejects.toBe(
      boom,
    )
  })

  it('a later deleteByTag is not undone by an expireByTag: the entry is gone, not a grace fallback', async () => {
    const { cache } = twoTiers()
    await cache.set('k', 'old', { tags: ['t'], staleIfError: '1h' })
    await cache.deleteByTag(['t'])
    await cache.expireByTag(['t'])
    await expect(
      cache.swr({
        queryKey: 'k',
        queryFn: () => Promise.reject(new Error('x')),
        tags: ['t'],
        staleIfError: '1h',
      }),
    ).rejects.toThrow('x')
  })
})

describe('every read path checks tags', () => {
  it('backfill from a lower tier: an invalidated entry there is not copied up nor served', async () => {
    const { cache, l1, l2, clock } = twoTiers()
    await cache.set('k', 'old', { tags: ['t'] })
    l1.delete('k')
    await cache.deleteByTag(['t'])
    clock.advance(1)
    await expect(cache.get('k')).resolves.toBeUndefined()
    expect(l1.get('k')).toBeUndefined()
    await expect(cache.swr({ queryKey: 'k', queryFn: () => 'new', tags: ['t'] })).resolves.toBe('new')
    expect((await l2.get('k'))?.value).toBe('new')
  })

  it('a stale refresh does not take an invalidated entry from below as "already refreshed"', async () => {
    const { cache, l1, l2, clock } = twoTiers()
    await cache.set('k', 'old', { tags: ['t'] })
    // Another process refreshed the key in the shared tier; then the tag was invalidated.
    clock.advance(11_000)
    const now = clock.now()
    await l2.set(
      'k',
      {
        value: 'refreshed elsewhere',
        createdAt: now,
        freshUntil: now + 10_000,
        expiresAt: now + 60_000,
        graceUntil: now + 60_000,
        tags: ['t'],
      },
      60_000,
    )
    clock.advance(1)
    await cache.deleteByTag(['t'])
    clock.advance(1)
    l1.set('k', { ...(l1.get('k') as CacheEntry), createdAt: clock.now() }, 60_000)
    const queryFn = vi.fn(async () => 'loaded')
    // l1 holds a stale entry made after the invalidation: served, and refreshed in the background.
    await expect(cache.swr({ queryKey: 'k', queryFn, tags: ['t'] })).resolves.toBe('old')
    await vi.waitFor(() => expect(queryFn).toHaveBeenCalledTimes(1))
    await vi.waitFor(async () => expect((await l2.get('k'))?.value).toBe('loaded'))
  })

  it('swrMany sees the invalidation per key', async () => {
    const { cache } = twoTiers()
    await cache.set('a', 'old a', { tags: ['t'] })
    await cache.set('b', 'old b', { tags: ['u'] })
    await cache.deleteByTag(['t'])
    const queryFn = vi.fn(async ({ keys }: { keys: readonly string[] }) => keys.map((k) => `new ${k}`))
    await expect(cache.swrMany({ queryKeys: ['a', 'b'], queryFn, tags: ['t'] })).resolves.toEqual([
      'new a',
      'old b',
    ])
    expect(queryFn).toHaveBeenCalledWith(expect.objectContaining({ keys: ['a'] }))
  })

  it('swrMany after expireByTag falls back to the grace entry when the bulk load fails', async () => {
    const { cache } = twoTiers()
    await cache.set('a', 'old a', { tags: ['t'], staleIfError: '1h' })
    await cache.expireByTag(['t'])
    await expect(
      cache.swrMany({
        queryKeys: ['a'],
        queryFn: () => Promise.reject(new Error('down')),
        staleIfError: '1h',
      }),
    ).resolves.toEqual(['old a'])
  })
})

describe('tagTtl', () => {
  it('stamps live tagTtl and a tagged entry’s lifetime with grace is capped at it', async () => {
    const { cache, l2, clock } = twoTiers({ tagTtl: 30_000 })
    await cache.set('tagged', 1, { tags: ['t'], ttl: '1m', staleIfError: '1h' })
    await cache.set('plain', 1, { ttl: '1m', staleIfError: '1h' })
    const tagged = (await l2.get('tagged')) as CacheEntry
    expect(tagged.graceUntil).toBe(tagged.createdAt + 30_000)
    expect(tagged.expiresAt).toBeLessThanOrEqual(tagged.graceUntil)
    expect(l2.ttlOf('tagged')).toBe(30_000)
    expect(((await l2.get('plain')) as CacheEntry).graceUntil).toBe(clock.now() + 60_000 + 3_600_000)
    await cache.deleteByTag(['t'])
    expect(l2.ttlOf(`${STAMP}t`)).toBe(30_000)
  })

  it('an entry loaded slowly is capped from the load’s start, so the stamp outlives it', async () => {
    const { cache, l2, clock } = twoTiers({ tagTtl: 30_000 })
    const started = clock.now()
    await cache.swr({
      queryKey: 'k',
      tags: ['t'],
      queryFn: () => {
        clock.advance(10_000)
        return 'v'
      },
    })
    expect(((await l2.get('k')) as CacheEntry).graceUntil).toBe(started + 30_000)
  })
})

describe('the hot path', () => {
  it('a fresh tagged hit in memory with its stamps known reads one tier and settles in one microtask', async () => {
    const { cache, l1, l2 } = twoTiers()
    const queryFn = vi.fn(() => 'v')
    await cache.swr({ queryKey: 'k', queryFn, tags: ['t'] })
    await cache.swr({ queryKey: 'k', queryFn, tags: ['t'] })
    const reads = { l1: l1.calls.get, l2: l2.calls.get }
    let value: string | undefined
    cache.swr({ queryKey: 'k', queryFn, tags: ['t'] }).then((v) => {
      value = v
    })
    await Promise.resolve()
    expect(value).toBe('v')
    expect(l1.calls.get - reads.l1).toBe(1)
    expect(l2.calls.get - reads.l2).toBe(0)
    expect(queryFn).toHaveBeenCalledTimes(1)
  })
})

describe('several caches over one shared tier, without a bus', () => {
  it('a tag invalidated by one reaches the entries in the other’s memory within 1 s', async () => {
    const shared = createMapStore('shared', { async: true })
    const a = new TieredCache({ stores: [localStore('a'), shared] })
    const b = new TieredCache({ stores: [localStore('b'), shared] })
    await b.set('k', 'old', { tags: ['t'] })
    await expect(b.get('k')).resolves.toBe('old')
    await a.deleteByTag(['t'])
    const invalidatedAt = performance.now()
    await vi.waitFor(async () => expect(await b.get('k')).toBeUndefined(), { timeout: 3_000, interval: 20 })
    expect(performance.now() - invalidatedAt).toBeLessThan(2_000)
  })

  it('a stamp that could not be written rejects like delete, and lands once the tier is back', async () => {
    const inner = createMapStore('shared', { async: true })
    const shared = createFlakyStore(inner, { async: true })
    const a = new TieredCache({ stores: [localStore('a'), shared] })
    const b = new TieredCache({ stores: [localStore('b'), shared] })
    const errors: unknown[] = []
    a.on('error', ({ error }) => errors.push(error))
    await b.set('k', 'old', { tags: ['t'] })
    await expect(b.get('k')).resolves.toBe('old')
    shared.failAlways('set')
    const rejection = await a.deleteByTag(['t']).catch((error: unknown) => error)
    expect(rejection).toBeInstanceOf(AggregateError)
    expect((rejection as AggregateError).message).toContain('shared')
    // The process that invalidated keeps its own stamp.
    await a.set('k2', 'x', { tags: ['t'] }).catch(() => {})
    shared.heal()
    // The stamp is written again in the background: the other process stops serving the old value.
    await vi.waitFor(async () => expect(await b.get('k')).toBeUndefined(), { timeout: 5_000, interval: 25 })
    await a.close()
    await b.close()
  })
})

/** A shared store whose reads answer with what it held when asked, but only once released: a slow network. */
function slowStore(): CacheStore & { release(): void } {
  const inner = createMapStore('shared')
  let pending: (() => void)[] = []
  return {
    name: 'shared',
    get(key) {
      const snapshot = inner.get(key) as CacheEntry | undefined
      return new Promise((resolve) => pending.push(() => resolve(snapshot)))
    },
    set: (key, entry, ttlMs) => inner.set(key, entry, ttlMs),
    delete: (key) => inner.delete(key),
    release() {
      const released = pending
      pending = []
      for (const done of released) done()
    },
  }
}

const host = {
  cache: 'default',
  now: () => 0,
  report: () => {},
  circuitOpened: () => {},
  circuitClosed: () => {},
}

describe('TagStamps with a bus', () => {
  it('a stamp read overtaken by a notice is not trusted: the next verdict reads again', async () => {
    const store = slowStore()
    const tier = new Tier(store, host, 0, undefined)
    let now = 1_000
    const stamps = new TagStamps([tier], { now: () => now, tagTtl: 86_400_000 }, true)
    const entry: CacheEntry = {
      value: 1,
      createdAt: 1_000,
      freshUntil: 9e12,
      expiresAt: 9e12,
      graceUntil: 9e12,
      tags: ['t'],
    }
    // The read starts while the shared tier holds no stamp...
    const first = stamps.verdict(entry)
    expect(first).toBeInstanceOf(Promise)
    // ...another process writes the stamp and its notice arrives before the read's answer.
    now = 2_000
    await store.set(
      '__tiered:tag:t',
      {
        value: { hard: 2_000, soft: 2_000 },
        createdAt: 2_000,
        freshUntil: 9e12,
        expiresAt: 9e12,
        graceUntil: 9e12,
      },
      86_400_000,
    )
    stamps.drop(['t'])
    store.release()
    await expect(first).resolves.toBe(LIVE)
    // With a bus stamps are trusted until a notice; this read predates the notice, so it must not be.
    const second = stamps.verdict(entry)
    expect(second).toBeInstanceOf(Promise)
    store.release()
    await expect(second).resolves.toBe(DELETED)
    expect(stamps.verdict(entry)).toBe(DELETED)
  })
})

describe('a tag invalidation while a tagged load runs', () => {
  it('supersedes the load: a caller who arrives afterwards gets a new load, never the older value', async () => {
    const cache = new TieredCache({ stores: [createMapStore('l1')] })
    let release: (value: string) => void = () => {}
    let loads = 0
    const queryFn = () => {
      loads++
      return loads === 1 ? new Promise<string>((resolve) => (release = resolve)) : Promise.resolve('new')
    }
    const first = cache.swr({ queryKey: 'k', tags: ['t'], queryFn })
    await new Promise((resolve) => setTimeout(resolve, 5))
    await cache.deleteByTag(['t'])
    const after = cache.swr({ queryKey: 'k', tags: ['t'], queryFn })
    release('old')
    expect(await first).toBe('old')
    expect(await after).toBe('new')
    expect(loads).toBe(2)
    expect(await cache.get('k')).toBe('new')
  })
})
