// Tag invalidation across real processes over a real Redis: each process holds the tagged entry in its own memory
// tier, so only the stamp (and, with one, the bus) can tell it the entry was invalidated elsewhere.

import { type RedisServerHandle, startRedisServer } from '@tiered/testing'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { uniquePrefix } from './support/redis.js'
import { startTagsProcess, type TagsProcess } from './support/tags-process.js'

const started: TagsProcess[] = []
let server: RedisServerHandle | undefined

afterEach(async () => {
  await Promise.all(started.splice(0).map((child) => child.close()))
  await server?.stop()
  server = undefined
})

async function fleet(bus: boolean, redisUrl = inject('redisUrl')): Promise<[TagsProcess, TagsProcess]> {
  const prefix = uniquePrefix(bus ? 'tags-bus' : 'tags-nobus')
  const [a, b] = await Promise.all([
    startTagsProcess({ redisUrl, prefix, bus }),
    startTagsProcess({ redisUrl, prefix, bus }),
  ])
  started.push(a, b)
  return [a, b]
}

/** Polls `b.get(key)` until it gives undefined; returns how long that took. */
async function untilMiss(b: TagsProcess, key: string, timeout: number): Promise<number> {
  const from = performance.now()
  await vi.waitFor(
    async () => {
      const reply = await b.call('get', key)
      expect(reply).toEqual({ id: expect.any(Number), ok: true })
    },
    { timeout, interval: 20 },
  )
  return performance.now() - from
}

describe('a tag invalidated in one process reaches entries in another’s memory', () => {
  it('with a bus: at once (the other process trusts its stamps until a notice, so only the notice can do it)', async () => {
    const [a, b] = await fleet(true)
    expect(await b.call('set', 'k', 'old', { tags: ['t'] })).toMatchObject({ ok: true })
    expect((await b.call('get', 'k')).value).toBe('old')
    expect((await b.call('get', 'k')).value).toBe('old')
    expect(await a.call('deleteByTag', ['t'])).toMatchObject({ ok: true })
    expect(await untilMiss(b, 'k', 5_000)).toBeLessThan(2_000)
  })

  it('without a bus: within the 1 s the other process caches stamps', async () => {
    const [a, b] = await fleet(false)
    await b.call('set', 'k', 'old', { tags: ['t'] })
    expect((await b.call('get', 'k')).value).toBe('old')
    expect(await a.call('deleteByTag', ['t'])).toMatchObject({ ok: true })
    expect(await untilMiss(b, 'k', 5_000)).toBeLessThan(3_000)
  })

  it('soft: after expireByTag elsewhere, a failed reload serves the old value (staleIfError), a good one replaces it', async () => {
    const [a, b] = await fleet(true)
    const options = { tags: ['t'], staleIfError: '1h' }
    await b.call('set', 'k', 'old', options)
    expect((await b.call('get', 'k')).value).toBe('old')
    expect(await a.call('expireByTag', ['t'])).toMatchObject({ ok: true })
    await untilMiss(b, 'k', 5_000)
    // failureBackoff 0: the next call reloads at once instead of serving the grace entry for the back-off.
    expect(await b.call('swr', 'k', { ...options, fail: 'source down', failureBackoff: 0 })).toMatchObject({
      ok: true,
      value: 'old',
    })
    expect(await b.call('swr', 'k', { ...options, value: 'new' })).toMatchObject({ ok: true, value: 'new' })
    expect(await a.call('get', 'k')).toMatchObject({ ok: true, value: 'new' })
  })

  it('hard: after deleteByTag elsewhere, a failed reload rejects even with staleIfError', async () => {
    const [a, b] = await fleet(true)
    const options = { tags: ['t'], staleIfError: '1h' }
    await b.call('set', 'k', 'old', options)
    expect((await b.call('get', 'k')).value).toBe('old')
    expect(await a.call('deleteByTag', ['t'])).toMatchObject({ ok: true })
    await untilMiss(b, 'k', 5_000)
    // failureBackoff 0: the next call reloads at once instead of serving the grace entry for the back-off.
    expect(await b.call('swr', 'k', { ...options, fail: 'source down', failureBackoff: 0 })).toMatchObject({
      ok: false,
      message: 'source down',
    })
  })

  it('a namespace cleared in one process is cleared in the other, and nothing outside it', async () => {
    const [a, b] = await fleet(true)
    // What cache.namespace('tenant-1') writes: its keys under the name, with its implicit tag.
    await b.call('set', 'tenant-1:profile', 'p1', { tags: ['tiered:ns:tenant-1'] })
    await b.call('set', 'tenant-2:profile', 'p2', { tags: ['tiered:ns:tenant-2'] })
    expect((await b.call('get', 'tenant-1:profile')).value).toBe('p1')
    expect(await a.call('clearNamespace', 'tenant-1')).toMatchObject({ ok: true })
    await untilMiss(b, 'tenant-1:profile', 5_000)
    expect((await b.call('get', 'tenant-2:profile')).value).toBe('p2')
  })
})

describe.each([
  { bus: false, label: 'without a bus' },
  { bus: true, label: 'with a bus' },
])('a stamp that cannot be written (Redis down), $label', ({ bus }) => {
  it('deleteByTag rejects with an AggregateError, and no process serves the old value once Redis is back', async () => {
    server = await startRedisServer()
    const [a, b] = await fleet(bus, server.url)
    await b.call('set', 'k', 'old', { tags: ['t'] })
    expect((await b.call('get', 'k')).value).toBe('old')
    server.kill('SIGKILL')
    const failed = await a.call('deleteByTag', ['t'])
    expect(failed).toMatchObject({ ok: false, name: 'AggregateError' })
    expect(failed.message).toContain('"redis"')
    // The process that invalidated keeps its stamp while Redis is down.
    expect(await a.call('get', 'k')).toMatchObject({ ok: true })
    // Redis comes back empty; b still holds the old value in memory, and only the stamp written again can reach it.
    await server.restart()
    await untilMiss(b, 'k', 20_000)
    // And it stays a miss.
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    expect(await b.call('get', 'k')).toEqual({ id: expect.any(Number), ok: true })
  })
})
