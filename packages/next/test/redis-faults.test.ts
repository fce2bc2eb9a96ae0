// Redis SIGSTOPped or gone: pages already in memory still answer at memory speed, writes and revalidations resolve
// within the store timeout, a cold page renders (no lease to wait for), and no call rejects.

import { startRedisServer } from '@tiered/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createIncrementalCache, createUseCacheHandler } from '../src/index.js'
import { closeAll, member, newPrefix, nextCacheFor, pageContext } from './support/fleet.js'

afterEach(closeAll)

describe('@tiered/next with Redis down', () => {
  it('answers from memory while Redis is SIGSTOPped, and never fails a call', async () => {
    const server = await startRedisServer()
    try {
      const m = member(server.url, newPrefix(), { storeTimeout: 200 })
      const errors: unknown[] = []
      const Handler = createIncrementalCache(() => m.cache, {
        lock: m.lock,
        buildId: 'b',
        lockTimeout: 200,
        onError: (error) => errors.push(error),
      })
      const next = () => nextCacheFor(16, Handler)
      const page = {
        kind: 'APP_PAGE',
        html: 'warm',
        rscData: Buffer.from('r'),
        headers: { 'x-next-cache-tags': 't' },
        status: 200,
      }
      await next().set('/warm', page, {
        ...pageContext('/warm'),
        cacheControl: { revalidate: 300, expire: 3600 },
      })
      expect((await next().get('/warm', pageContext('/warm')))?.value).toMatchObject({ html: 'warm' })

      server.kill('SIGSTOP')
      const started = performance.now()
      const warm = await next().get('/warm', pageContext('/warm'))
      const warmMs = performance.now() - started
      expect(warm?.value).toMatchObject({ html: 'warm' })
      expect(warmMs).toBeLessThan(100)

      // A cold page: the lock does not answer, the process renders alone (get resolves null, bounded).
      const coldStarted = performance.now()
      expect(await next().get('/cold', pageContext('/cold'))).toBeNull()
      expect(performance.now() - coldStarted).toBeLessThan(3_000)
      await next().set(
        '/cold',
        { ...page, html: 'cold' },
        { ...pageContext('/cold'), cacheControl: { revalidate: 300 } },
      )
      await next().revalidateTag(['other'])
      const useCache = createUseCacheHandler(() => m.cache, { onError: (error) => errors.push(error) })
      await useCache.updateTags(['other'])
      expect(await useCache.get('missing', [])).toBeUndefined()
      expect(errors.length).toBeGreaterThan(0)
    } finally {
      server.kill('SIGCONT')
      await server.stop()
    }
  })

  it('a factory that throws is reported and every call is a miss, not a failure', async () => {
    const errors: unknown[] = []
    const Handler = createIncrementalCache(
      () => {
        throw new Error('no redis')
      },
      { onError: (error) => errors.push(error) },
    )
    const next = nextCacheFor(16, Handler)
    expect(await next.get('/x', pageContext('/x'))).toBeNull()
    await next.set('/x', { kind: 'APP_PAGE', html: 'x', headers: {}, status: 200 }, pageContext('/x'))
    await next.revalidateTag('t')
    expect(errors.some((e) => e instanceof Error && e.message === 'no redis')).toBe(true)
  })

  it('rejects a factory that is not a function with a TypeError', () => {
    expect(() => createIncrementalCache('cache' as never)).toThrow(TypeError)
    expect(() => createUseCacheHandler(undefined as never)).toThrow(TypeError)
    expect(() => createIncrementalCache(() => ({}) as never, { lockTtl: -1 })).toThrow(RangeError)
  })
})
