// createIncrementalCache driven through each major's own IncrementalCache (next15, next16 from their dist), two
// "processes" (each its own TieredCache with a memory tier) over one real Redis with the bus and lock.

import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { createIncrementalCache } from '../src/index.js'
import {
  closeAll,
  forgetCacheControls,
  type Major,
  member,
  newPrefix,
  nextCacheFor,
  pageContext,
} from './support/fleet.js'

afterEach(closeAll)

/** Polls `read` until it gives `null` (a miss), within a generous bound: a notice crosses the bus in milliseconds. */
async function missWithin(read: () => Promise<unknown>, boundMs = 2_000): Promise<number> {
  const started = Date.now()
  while ((await read()) !== null) {
    if (Date.now() - started > boundMs) throw new Error(`still a hit after ${boundMs} ms`)
    await sleep(5)
  }
  return Date.now() - started
}

function appPage(html: string, tags: string): Record<string, unknown> {
  return {
    kind: 'APP_PAGE',
    html,
    rscData: Buffer.from(`rsc:${html}`),
    segmentData: new Map([['/_tree', Buffer.from([0, 1, 2, 255])]]),
    headers: { 'x-next-cache-tags': tags },
    postponed: undefined,
    status: 200,
  }
}

const cacheControl = { revalidate: 300, expire: 3600 }

/** Two processes of one build, each with Next's IncrementalCache over its own handler class. */
function fleet(major: Major, options: { buildId?: string; prefix?: string } = {}) {
  const prefix = options.prefix ?? newPrefix()
  const url = inject('redisUrl')
  const make = () => {
    const m = member(url, prefix)
    const Handler = createIncrementalCache(() => m.cache, {
      lock: m.lock,
      buildId: options.buildId ?? 'build-1',
      lockTtl: '5s',
    })
    return { ...m, Handler, next: () => nextCacheFor(major, Handler) }
  }
  return { a: make(), b: make(), prefix }
}

describe.each([15, 16] as const)('Next %i IncrementalCache over @tiered/next', (major) => {
  it('serves a page set in one process to another, Buffers and Maps intact', async () => {
    const { a, b } = fleet(major)
    await a.next().set('/products', appPage('<p>1</p>', '_N_T_/layout,_N_T_/products'), {
      ...pageContext('/products'),
      cacheControl,
    })
    const hit = await b.next().get('/products', pageContext('/products'))
    expect(hit?.isStale).toBeFalsy()
    const value = hit?.value as Record<string, unknown>
    expect(value.html).toBe('<p>1</p>')
    expect(Buffer.isBuffer(value.rscData)).toBe(true)
    expect((value.rscData as Buffer).toString()).toBe('rsc:<p>1</p>')
    expect(value.segmentData).toBeInstanceOf(Map)
    expect([...((value.segmentData as Map<string, Buffer>).get('/_tree') ?? [])]).toEqual([0, 1, 2, 255])
  })

  it('revalidateTag in one process makes the page a miss in the other at once', async () => {
    const { a, b } = fleet(major)
    await a.next().set('/p', appPage('<p>1</p>', '_N_T_/p,products'), { ...pageContext('/p'), cacheControl })
    expect((await a.next().get('/p', pageContext('/p')))?.value).toBeTruthy()
    await sleep(5) // the record is stamped later than the entry
    await b.next().revalidateTag('products')
    await missWithin(() => a.next().get('/p', pageContext('/p')))
    // revalidatePath is a tag too: `_N_T_/p`.
    await a.next().set('/p', appPage('<p>2</p>', '_N_T_/p,products'), { ...pageContext('/p'), cacheControl })
    expect((await b.next().get('/p', pageContext('/p')))?.value).toMatchObject({ html: '<p>2</p>' })
    await sleep(5)
    await a.next().revalidateTag(['_N_T_/p'])
    await missWithin(() => b.next().get('/p', pageContext('/p')))
  })

  it('fetch cache: a tagged fetch round-trips and its tag (or a soft tag) invalidates it', async () => {
    const { a, b } = fleet(major)
    const data = {
      kind: 'FETCH',
      data: { headers: {}, body: 'eyJhIjoxfQ==', status: 200, url: 'http://x/a' },
      revalidate: 60,
    }
    const ctx = {
      kind: 'FETCH',
      fetchCache: true,
      fetchUrl: 'http://x/a',
      fetchIdx: 0,
      tags: ['posts'],
      softTags: ['_N_T_/blog'],
    }
    await a
      .next()
      .set('fetch-key', data, { fetchCache: true, fetchUrl: 'http://x/a', fetchIdx: 0, tags: ['posts'] })
    const hit = await b.next().get('fetch-key', ctx)
    expect(hit?.isStale).toBe(false)
    expect(hit?.value).toMatchObject({ kind: 'FETCH', data: { body: 'eyJhIjoxfQ==' } })
    await sleep(5)
    await b.next().revalidateTag('_N_T_/blog')
    await missWithin(() => a.next().get('fetch-key', ctx))
  })

  it('namespaces pages by build ID, so two deploys never read each other', async () => {
    const prefix = newPrefix()
    const one = fleet(major, { prefix, buildId: 'one' })
    const two = fleet(major, { prefix, buildId: 'two' })
    await one.a.next().set('/', appPage('old', '_N_T_/'), { ...pageContext('/'), cacheControl })
    expect((await one.b.next().get('/', pageContext('/')))?.value).toMatchObject({ html: 'old' })
    const started = Date.now()
    // The other build finds nothing (and, holding the lease, renders at once rather than waiting).
    expect(await two.b.next().get('/', pageContext('/'))).toBeNull()
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('a cold page asked for by both processes at once renders once: the other waits for its set', async () => {
    const { a, b } = fleet(major)
    let renders = 0
    const request = async (process: typeof a, html: string) => {
      const cache = process.next()
      const hit = await cache.get('/cold', pageContext('/cold'))
      if (hit?.value) return (hit.value as { html: string }).html
      renders += 1
      await sleep(200) // the render
      await cache.set('/cold', appPage(html, '_N_T_/cold'), { ...pageContext('/cold'), cacheControl })
      return html
    }
    const served = await Promise.all([request(a, 'from-a'), request(b, 'from-b')])
    expect(renders).toBe(1)
    expect(served[0]).toBe(served[1])
  })
})

describe.each([15, 16] as const)('Next %i: a page past its revalidate window', (major) => {
  it('is fresh in a process that never rendered it while within its own window (Next 15 would assume 1 s)', async () => {
    const { a, b } = fleet(major)
    await a.next().set('/w', appPage('v1', '_N_T_/w'), { ...pageContext('/w'), cacheControl })
    forgetCacheControls(major) // what a process that never rendered /w knows of it
    await sleep(1_100)
    const hit = await b.next().get('/w', pageContext('/w'))
    expect(hit?.value).toMatchObject({ html: 'v1' })
    expect(hit?.isStale).toBeFalsy()
  })

  it('is rendered again in the background by one process of the fleet; the other serves it as it is', async () => {
    const { a, b } = fleet(major)
    await a.next().set('/r', appPage('v1', '_N_T_/r'), {
      ...pageContext('/r'),
      cacheControl: { revalidate: 1, expire: 3600 },
    })
    await sleep(1_100)
    const answers = await Promise.all([
      a.next().get('/r', pageContext('/r')),
      b.next().get('/r', pageContext('/r')),
    ])
    expect(answers.map((answer) => (answer?.value as { html?: string } | undefined)?.html)).toEqual([
      'v1',
      'v1',
    ])
    expect(answers.filter((answer) => answer?.isStale === true)).toHaveLength(1)
  })
})

describe('Next 16 revalidateTag with a profile (durations)', () => {
  it('serves the page stale (a background render) until `expire`, then misses', async () => {
    const { a, b } = fleet(16)
    await a.next().set('/s', appPage('v1', '_N_T_/s,news'), { ...pageContext('/s'), cacheControl })
    await sleep(5)
    await b.next().revalidateTag(['news'], { expire: 1 })
    const stale = await a.next().get('/s', pageContext('/s'))
    expect(stale?.isStale).toBe(true)
    expect(stale?.value).toMatchObject({ html: 'v1' })
    await sleep(1_100)
    expect(await a.next().get('/s', pageContext('/s'))).toBeNull()
  })

  it('a page whose revalidate is false is re-rendered blocking (lastModified -1)', async () => {
    const { a, b } = fleet(16)
    await a
      .next()
      .set('/f', appPage('v1', 'forever'), { ...pageContext('/f'), cacheControl: { revalidate: false } })
    await sleep(5)
    await b.next().revalidateTag(['forever'], { expire: 60 })
    const entry = await a.next().get('/f', pageContext('/f'))
    expect(entry?.isStale).toBe(-1)
  })
})
