// createUseCacheHandler against Next 16's `cacheHandlers` contract (its types.d.ts is the type of the handler):
// two "processes" over one real Redis with the bus.

import { setTimeout as sleep } from 'node:timers/promises'
import type { CacheEntry, CacheHandler } from 'next16/dist/server/lib/cache-handlers/types.js'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { createUseCacheHandler } from '../src/index.js'
import { closeAll, member, newPrefix } from './support/fleet.js'

afterEach(closeAll)

function fleet(): { a: CacheHandler; b: CacheHandler } {
  const prefix = newPrefix()
  const make = (): CacheHandler => {
    const m = member(inject('redisUrl'), prefix)
    return createUseCacheHandler(async () => m.cache)
  }
  return { a: make(), b: make() }
}

function entry(text: string, overrides: Partial<CacheEntry> = {}): CacheEntry {
  return {
    value: new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text.slice(0, 3)))
        controller.enqueue(new TextEncoder().encode(text.slice(3)))
        controller.close()
      },
    }),
    tags: ['posts'],
    stale: 30,
    timestamp: Date.now(),
    expire: 3600,
    revalidate: 900,
    ...overrides,
  }
}

async function text(found: CacheEntry | undefined): Promise<string | undefined> {
  return found === undefined ? undefined : await new Response(found.value).text()
}

async function undefinedWithin(read: () => Promise<unknown>, boundMs = 2_000): Promise<void> {
  const started = Date.now()
  while ((await read()) !== undefined) {
    if (Date.now() - started > boundMs) throw new Error(`still a hit after ${boundMs} ms`)
    await sleep(5)
  }
}

describe("Next 16 'use cache' handler over @tiered/next", () => {
  it('stores the stream once and gives every get a new stream, in another process too', async () => {
    const { a, b } = fleet()
    await a.set('k1', Promise.resolve(entry('hello world')))
    const first = await b.get('k1', [])
    const second = await b.get('k1', [])
    expect(first?.value).not.toBe(second?.value)
    expect(await text(first)).toBe('hello world')
    expect(await text(second)).toBe('hello world')
    expect(first).toMatchObject({ tags: ['posts'], stale: 30, expire: 3600, revalidate: 900 })
  })

  it('a get racing a pending set waits for it instead of missing', async () => {
    const { a } = fleet()
    let resolve: (e: CacheEntry) => void = () => {}
    const pending = new Promise<CacheEntry>((r) => {
      resolve = r
    })
    const setting = a.set('k2', pending)
    const reading = a.get('k2', [])
    await sleep(50)
    resolve(entry('late value'))
    await setting
    expect(await text(await reading)).toBe('late value')
  })

  it('skips an entry with expire 0 (dynamic) and a stream that errors', async () => {
    const { a } = fleet()
    await a.set('k3', Promise.resolve(entry('x', { expire: 0 })))
    expect(await a.get('k3', [])).toBeUndefined()
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.error(new Error('render failed'))
      },
    })
    await a.set('k4', Promise.resolve(entry('x', { value: broken })))
    expect(await a.get('k4', [])).toBeUndefined()
  })

  it('updateTags in one process: the entry is a miss in the other; with durations it is stale (revalidate -1)', async () => {
    const { a, b } = fleet()
    await a.set('k5', Promise.resolve(entry('v', { tags: ['a-tag'] })))
    await a.set('k6', Promise.resolve(entry('v', { tags: ['b-tag'] })))
    expect(await text(await b.get('k5', []))).toBe('v')
    await sleep(5)
    await a.updateTags(['a-tag'])
    await undefinedWithin(() => b.get('k5', []))
    await b.updateTags(['b-tag'], { expire: 60 })
    const stale = await a.get('k6', [])
    expect(stale?.revalidate).toBe(-1)
    expect(await text(stale)).toBe('v')
  })

  it('judges soft tags in get (getExpiration says Infinity)', async () => {
    const { a, b } = fleet()
    expect(await a.getExpiration(['_N_T_/page'])).toBe(Number.POSITIVE_INFINITY)
    await a.set('k7', Promise.resolve(entry('v', { tags: [] })))
    expect(await text(await b.get('k7', ['_N_T_/page']))).toBe('v')
    await sleep(5)
    await a.updateTags(['_N_T_/page'])
    await undefinedWithin(() => b.get('k7', ['_N_T_/page']))
    expect(await text(await b.get('k7', []))).toBe('v')
    await a.refreshTags()
  })
})
