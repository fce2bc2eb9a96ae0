// A "process" of a test fleet inside one test: its own memory tier over the shared real Redis, with the Redis bus
// and lock, as the docs tell an app to build it. Every member made here is closed by `closeAll`.

import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createRedisBus, createRedisLock, createRedisStore } from '@tiered/store-redis'
import { Redis } from 'ioredis'

export interface Member {
  cache: TieredCache
  lock: ReturnType<typeof createRedisLock>
  redis: Redis
  errors: unknown[]
}

const members: Member[] = []

/** A fresh key prefix, so tests share the server without sharing entries. */
export function newPrefix(): string {
  return `t${randomUUID().slice(0, 8)}:`
}

export function member(url: string, prefix: string, options: { storeTimeout?: number } = {}): Member {
  const redis = new Redis(url, { maxRetriesPerRequest: 0 })
  redis.on('error', () => {})
  const errors: unknown[] = []
  const cache = new TieredCache({
    stores: [
      createMemoryStore('memory'),
      createRedisStore('redis', redis, { keyPrefix: prefix, useJsonMarshalling: false }),
    ],
    bus: createRedisBus(redis, { channel: `${prefix}bus` }),
    storeTimeout: options.storeTimeout ?? 1_000,
    onError: (error) => errors.push(error),
  })
  const lock = createRedisLock(redis, { keyPrefix: `${prefix}lock:` })
  const made = { cache, lock, redis, errors }
  members.push(made)
  return made
}

export async function closeAll(): Promise<void> {
  const closing = members.splice(0)
  await Promise.allSettled(closing.map((m) => m.cache.close()))
  for (const m of closing) m.redis.disconnect()
}

const require = createRequire(import.meta.url)

export type Major = 15 | 16

/** Next's own IncrementalCache class of a major, from its dist. */
function nextIncrementalCache(major: Major): new (options: Record<string, unknown>) => NextIncrementalCache {
  return require(`next${major}/dist/server/lib/incremental-cache/index.js`).IncrementalCache
}

export interface NextIncrementalCache {
  get(key: string, ctx: Record<string, unknown>): Promise<Record<string, unknown> | null>
  set(key: string, data: unknown, ctx: Record<string, unknown>): Promise<void>
  revalidateTag(tags: string | string[], durations?: { expire?: number }): Promise<void>
}

/** Clears what Next's process remembers of each page's cache-control (SharedCacheControls is per process). */
export function forgetCacheControls(major: Major): void {
  require(
    `next${major}/dist/server/lib/incremental-cache/shared-cache-controls.external.js`,
  ).SharedCacheControls.cacheControls.clear()
}

const manifest = {
  version: 4,
  routes: {},
  dynamicRoutes: {},
  notFoundRoutes: [],
  preview: { previewModeId: 'preview', previewModeSigningKey: 'k', previewModeEncryptionKey: 'k' },
}

/** Next's IncrementalCache for one request, with `Handler` as its `cacheHandler` (as `next start` builds it). */
export function nextCacheFor(major: Major, Handler: unknown, serverDistDir?: string): NextIncrementalCache {
  const IncrementalCache = nextIncrementalCache(major)
  return new IncrementalCache({
    dev: false,
    minimalMode: false,
    requestHeaders: {},
    serverDistDir,
    prerenderManifest: manifest,
    getPrerenderManifest: () => manifest,
    previewProps: manifest.preview,
    fetchCacheKeyPrefix: '',
    CurCacheHandler: Handler,
    maxMemoryCacheSize: 0,
  })
}

/** The context Next passes for a page of `route` (Next 16 wants the route; 15 ignores it). */
export function pageContext(route: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'APP_PAGE',
    isRoutePPREnabled: false,
    isFallback: false,
    route: { kind: 'APP_PAGE', sourceRoute: route },
    ...extra,
  }
}
