import { createClock, createMapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import {
  type CacheEntry,
  hasErrorCode,
  type ManyQueryFunctionContext,
  type StandardSchemaV1,
  TieredCache,
} from '../src/index.js'

interface User {
  id: number
  name: string
}

/** A hand-written Standard Schema: a user is { id: number, name: string }; `validate` is a spy. */
function userSchema(options: { async?: boolean } = {}) {
  const check = (value: unknown): StandardSchemaV1.Result<User> => {
    const user = value as Partial<User> | null
    if (
      typeof user !== 'object' ||
      user === null ||
      typeof user.id !== 'number' ||
      typeof user.name !== 'string'
    )
      return { issues: [{ message: 'expected { id: number, name: string }' }] }
    return { value: user as User }
  }
  const validate = vi.fn((value: unknown) => (options.async ? Promise.resolve(check(value)) : check(value)))
  const schema: StandardSchemaV1<unknown, User> = { '~standard': { version: 1, vendor: 'test', validate } }
  return { schema, validate }
}

function setup(nearest: { local: boolean } = { local: true }) {
  const clock = createClock()
  const memory = Object.assign(createMapStore('memory'), nearest)
  const remote = createMapStore('remote', { async: true })
  const errors: unknown[] = []
  const cache = new TieredCache({
    stores: [memory, remote],
    now: clock.now,
    defaultTtl: '1m',
    onError: (error) => errors.push(error),
  })
  return { clock, memory, remote, cache, errors }
}

function entry(value: unknown, now: number): CacheEntry {
  return {
    value,
    createdAt: now,
    freshUntil: now + 60_000,
    expiresAt: now + 60_000,
    graceUntil: now + 60_000,
  }
}

const validationErrors = (errors: unknown[]) =>
  errors.filter((error) => hasErrorCode(error, 'TIERED_VALIDATION'))

describe('validation on read', () => {
  it('a valid value from a shared tier is returned and backfilled; memory hits are not checked again', async () => {
    const { cache, clock, memory, remote } = setup()
    await remote.set('u', entry({ id: 1, name: 'Ada' }, clock.now()), 60_000)
    const { schema, validate } = userSchema()
    const queryFn = vi.fn(async () => ({ id: 0, name: 'loaded' }))
    expect(await cache.swr({ queryKey: 'u', queryFn, schema })).toEqual({ id: 1, name: 'Ada' })
    expect(validate).toHaveBeenCalledTimes(1)
    expect(memory.get('u')).toMatchObject({ value: { id: 1, name: 'Ada' } })
    // The hot path: a fresh hit in memory does not call validate.
    for (let i = 0; i < 5; i++)
      expect(await cache.swr({ queryKey: 'u', queryFn, schema })).toEqual({ id: 1, name: 'Ada' })
    expect(validate).toHaveBeenCalledTimes(1)
    expect(queryFn).not.toHaveBeenCalled()
  })

  it('a value of the old shape is a miss, reported as CacheValidationError, and replaced by the load', async () => {
    const { cache, clock, memory, remote, errors } = setup()
    await remote.set('u', entry({ id: '1', fullName: 'Ada' }, clock.now()), 60_000)
    const { schema } = userSchema()
    const queryFn = vi.fn(async () => ({ id: 1, name: 'Ada' }))
    expect(await cache.swr({ queryKey: 'u', queryFn, schema })).toEqual({ id: 1, name: 'Ada' })
    expect(queryFn).toHaveBeenCalledTimes(1)
    const [reported] = validationErrors(errors)
    expect(reported).toMatchObject({ key: 'u', tier: 'remote', name: 'CacheValidationError' })
    expect((reported as Error).message).toMatch(/expected \{ id: number, name: string \}/)
    expect(await remote.get('u')).toMatchObject({ value: { id: 1, name: 'Ada' } })
    expect(memory.get('u')).toMatchObject({ value: { id: 1, name: 'Ada' } })
  })

  it('an asynchronous validate works the same', async () => {
    const { cache, clock, remote, errors } = setup()
    await remote.set('good', entry({ id: 1, name: 'Ada' }, clock.now()), 60_000)
    await remote.set('bad', entry('nope', clock.now()), 60_000)
    const { schema } = userSchema({ async: true })
    const queryFn = async () => ({ id: 2, name: 'loaded' })
    expect(await cache.swr({ queryKey: 'good', queryFn, schema })).toEqual({ id: 1, name: 'Ada' })
    expect(await cache.swr({ queryKey: 'bad', queryFn, schema })).toEqual({ id: 2, name: 'loaded' })
    expect(validationErrors(errors)).toHaveLength(1)
  })

  it('a validate that throws is reported and the value is a miss, never a failed call', async () => {
    const { cache, clock, remote, errors } = setup()
    await remote.set('u', entry({ id: 1, name: 'Ada' }, clock.now()), 60_000)
    const broken = new Error('schema bug')
    const schema: StandardSchemaV1<unknown, User> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => {
          throw broken
        },
      },
    }
    expect(await cache.swr({ queryKey: 'u', queryFn: async () => ({ id: 2, name: 'x' }), schema })).toEqual({
      id: 2,
      name: 'x',
    })
    expect(errors).toContain(broken)
  })

  it('a nearest tier that answers synchronously but is shared (not local) is validated too', async () => {
    const { cache, clock, memory, errors } = setup({ local: false })
    memory.set('u', entry({ wrong: true }, clock.now()), 60_000)
    const { schema, validate } = userSchema()
    const queryFn = vi.fn(async () => ({ id: 1, name: 'Ada' }))
    // The first read teaches the cache that the tier is synchronous; the second takes the hot path.
    await cache.get('other')
    expect(await cache.swr({ queryKey: 'u', queryFn, schema })).toEqual({ id: 1, name: 'Ada' })
    expect(validate).toHaveBeenCalled()
    expect(validationErrors(errors)).toHaveLength(1)
  })

  it('swrMany validates each key: the ones that fail are reloaded in the one bulk call', async () => {
    const { cache, clock, remote, errors } = setup()
    await remote.set('a', entry({ id: 1, name: 'a' }, clock.now()), 60_000)
    await remote.set('b', entry({ id: 'old' }, clock.now()), 60_000)
    const { schema } = userSchema()
    const queryFn = vi.fn(async ({ keys }: ManyQueryFunctionContext) =>
      keys.map((key) => ({ id: 9, name: key })),
    )
    expect(await cache.swrMany({ queryKeys: ['a', 'b', 'c'], queryFn, schema })).toEqual([
      { id: 1, name: 'a' },
      { id: 9, name: 'b' },
      { id: 9, name: 'c' },
    ])
    expect(queryFn).toHaveBeenCalledTimes(1)
    expect(queryFn.mock.calls[0]?.[0].keys).toEqual(['b', 'c'])
    expect(validationErrors(errors)).toMatchObject([{ key: 'b' }])
  })

  describe('with zod', () => {
    const user = z.object({ id: z.number(), name: z.string() })

    it('a zod schema checks values from the shared tier', async () => {
      const { cache, clock, remote, errors } = setup()
      await remote.set('u', entry({ id: 'x' }, clock.now()), 60_000)
      const queryFn = vi.fn(async () => ({ id: 1, name: 'Ada' }))
      expect(await cache.swr({ queryKey: 'u', queryFn, schema: user })).toEqual({ id: 1, name: 'Ada' })
      expect(queryFn).toHaveBeenCalledTimes(1)
      expect(validationErrors(errors)).toHaveLength(1)
    })

    it('a transforming schema gives (and backfills) the transformed value', async () => {
      const { cache, clock, memory, remote } = setup()
      // JSON has no Date: the shared tier holds a string, the schema makes it a Date again.
      await remote.set('e', entry({ at: '2026-01-02T03:04:05.000Z' }, clock.now()), 60_000)
      const event = z.object({ at: z.string().transform((text) => new Date(text)) })
      const value = await cache.swr({
        queryKey: 'e',
        queryFn: async () => ({ at: new Date(0) }),
        schema: event,
      })
      expect(value.at).toBeInstanceOf(Date)
      expect(value.at.toISOString()).toBe('2026-01-02T03:04:05.000Z')
      expect(((memory.get('e') as CacheEntry).value as { at: unknown }).at).toBeInstanceOf(Date)
    })
  })
})
