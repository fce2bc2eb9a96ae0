// Validation on read over a real Redis: during a deploy that changed a value's shape, a cache of the new version
// never serves what the old version wrote; it reloads and the fleet then shares the new shape.

import {
  type CacheEntry,
  hasErrorCode,
  type ManyQueryFunctionContext,
  type StandardSchemaV1,
  TieredCache,
} from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisStore } from '@tiered/store-redis'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { connectRedis, uniquePrefix } from './support/redis.js'

let redis: Redis
beforeAll(() => {
  redis = connectRedis()
})
afterAll(() => {
  redis.disconnect()
})

/** Version 2 of a user: { id: number, name: string } (version 1 stored { userId: string, fullName: string }). */
interface UserV2 {
  id: number
  name: string
}
const validate = vi.fn((value: unknown): StandardSchemaV1.Result<UserV2> => {
  const user = value as Partial<UserV2> | null
  return typeof user === 'object' &&
    user !== null &&
    typeof user.id === 'number' &&
    typeof user.name === 'string'
    ? { value: user as UserV2 }
    : { issues: [{ message: 'a user is { id: number, name: string }' }] }
})
const userV2: StandardSchemaV1<unknown, UserV2> = { '~standard': { version: 1, vendor: 'test', validate } }

function member(prefix: string, errors: unknown[] = []) {
  return new TieredCache({
    stores: [createMemoryStore('memory'), createRedisStore('redis', redis, { keyPrefix: prefix })],
    onError: (error) => errors.push(error),
  })
}

const loadV2 = async ({ key }: { key: string }): Promise<UserV2> => ({
  id: Number(key.split(':')[1]),
  name: 'Ada',
})

describe('schema on a real Redis', () => {
  it('a value of the old shape written by another cache is replaced on read by a schema-checked load', async () => {
    const prefix = uniquePrefix('deploy')
    const old = member(prefix)
    await old.set('user:1', { userId: '1', fullName: 'Ada' })
    const errors: unknown[] = []
    const current = member(prefix, errors)
    const queryFn = vi.fn(loadV2)
    expect(await current.swr({ queryKey: 'user:1', queryFn, schema: userV2 })).toEqual({ id: 1, name: 'Ada' })
    expect(queryFn).toHaveBeenCalledTimes(1)
    const reported = errors.filter((error) => hasErrorCode(error, 'TIERED_VALIDATION'))
    expect(reported).toMatchObject([{ key: 'user:1', tier: 'redis' }])
    // Redis now holds the new shape, for every member.
    const stored = JSON.parse((await redis.get(`${prefix}user:1`)) as string) as CacheEntry
    expect(stored.value).toEqual({ id: 1, name: 'Ada' })
    const another = member(prefix)
    const untouched = vi.fn(loadV2)
    expect(await another.swr({ queryKey: 'user:1', queryFn: untouched, schema: userV2 })).toEqual({
      id: 1,
      name: 'Ada',
    })
    expect(untouched).not.toHaveBeenCalled()
    await Promise.all([old.close(), current.close(), another.close()])
  })

  it('a value checked once is served from memory without checking it again', async () => {
    const prefix = uniquePrefix('hot')
    const writer = member(prefix)
    await writer.set('user:2', { id: 2, name: 'Grace' })
    const reader = member(prefix)
    const queryFn = vi.fn(loadV2)
    validate.mockClear()
    for (let i = 0; i < 10; i++) await reader.swr({ queryKey: 'user:2', queryFn, schema: userV2 })
    expect(validate).toHaveBeenCalledTimes(1)
    expect(queryFn).not.toHaveBeenCalled()
    await Promise.all([writer.close(), reader.close()])
  })

  it('swrMany reloads only the keys whose shape is old, in one call', async () => {
    const prefix = uniquePrefix('many')
    const old = member(prefix)
    await old.set('user:1', { userId: '1', fullName: 'Ada' })
    await old.set('user:2', { id: 2, name: 'Grace' })
    await old.set('user:3', { userId: '3', fullName: 'Linus' })
    const current = member(prefix)
    const queryFn = vi.fn(async ({ keys }: ManyQueryFunctionContext) =>
      keys.map((key) => ({ id: Number(key.split(':')[1]), name: 'new' })),
    )
    expect(
      await current.swrMany({ queryKeys: ['user:1', 'user:2', 'user:3'], queryFn, schema: userV2 }),
    ).toEqual([
      { id: 1, name: 'new' },
      { id: 2, name: 'Grace' },
      { id: 3, name: 'new' },
    ])
    expect(queryFn).toHaveBeenCalledTimes(1)
    expect(queryFn.mock.calls[0]?.[0].keys).toEqual(['user:1', 'user:3'])
    await Promise.all([old.close(), current.close()])
  })
})
