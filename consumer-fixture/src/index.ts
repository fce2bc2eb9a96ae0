// An app's view of every published package: each import resolves through the package's `exports` to its .d.ts,
// and the tiers built by different packages fit one TieredCache.

import type * as core from '@tiered/core'
import { type CacheStore, parseDuration, swr, TieredCache, toKey } from '@tiered/core'
import type * as keys from '@tiered/keys'
import { hashKeyMD5, stableStringify } from '@tiered/keys'
import type * as otel from '@tiered/otel'
import { TieredInstrumentation } from '@tiered/otel'
import type * as storeKeyv from '@tiered/store-keyv'
import { createKeyvStore } from '@tiered/store-keyv'
import type * as storeMemory from '@tiered/store-memory'
import { createMemoryStore } from '@tiered/store-memory'
import type * as storeRedis from '@tiered/store-redis'
import { createRedisStore } from '@tiered/store-redis'
import type * as storeTestSuite from '@tiered/store-test-suite'
import { type MakeStore, runStoreConformance } from '@tiered/store-test-suite'
import { Redis } from 'ioredis'
import { Keyv } from 'keyv'

export type Everything = [
  typeof core,
  typeof keys,
  typeof otel,
  typeof storeKeyv,
  typeof storeMemory,
  typeof storeRedis,
  typeof storeTestSuite,
]

interface Todo {
  id: number
  title: string
}

export async function app(): Promise<Todo[]> {
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true })
  const stores: CacheStore[] = [
    createMemoryStore('memory'),
    createRedisStore('redis', redis),
    createKeyvStore('keyv', new Keyv({ namespace: 'app' })),
  ]
  const cache = new TieredCache({ stores, defaultFresh: '2s' })
  const todos = await swr({
    cache,
    queryKey: ['todos', hashKeyMD5({ userId: 1 })],
    queryFn: async ({ signal }): Promise<Todo[]> => (signal.aborted ? [] : [{ id: 1, title: 'x' }]),
    ttl: '5m',
  })
  const first: Todo | undefined = todos[0]
  const ms: number = parseDuration('2s')
  const key: string = toKey(['a', stableStringify({ b: 1 })])
  await cache.close()
  redis.disconnect()
  return first === undefined || ms < 0 || key === '' ? [] : todos
}

export const conformance = (make: MakeStore): void => runStoreConformance('mine', make)

/** An app's OpenTelemetry setup names the instrumentation like any other. */
export const instrumentation: TieredInstrumentation = new TieredInstrumentation({ captureKeys: false })
