// The class for next.config's `cacheHandler` (Next 15 and 16): ISR pages, route handlers, the fetch cache and
// `unstable_cache`. Next constructs it per request, so everything lives in the closure of `createIncrementalCache`
// (module scope of the app's handler file). Page and fetch keys carry no build ID: entries are namespaced by it.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { toKey } from '@tiered/core'
import { handlerParts } from './handler-parts.js'
import type { CacheFactory, NextCacheOptions } from './options.js'
import { RenderLease } from './render-lease.js'
import { tagList } from './tag-book.js'

/** What Next passes to the constructor (the parts used here). */
export interface IncrementalCacheContext {
  serverDistDir?: string
  dev?: boolean
  [option: string]: unknown
}

/** The cache-control Next stores with a page: seconds, or `false` for never. */
export interface StoredCacheControl {
  revalidate?: number | false
  expire?: number
}

/** A value as Next gives it to `set` (`kind` APP_PAGE, APP_ROUTE, PAGES, FETCH, REDIRECT...), kept as it is. */
export type IncrementalValue = ({ kind: string } & Record<string, unknown>) | null

/** What `get` returns to Next. */
export interface IncrementalCacheEntry {
  lastModified: number
  value: IncrementalValue
  cacheControl?: StoredCacheControl
}

export interface IncrementalCacheHandler {
  get(cacheKey: string, ctx?: Record<string, unknown>): Promise<IncrementalCacheEntry | null>
  set(cacheKey: string, data: IncrementalValue, ctx?: Record<string, unknown>): Promise<void>
  revalidateTag(tags: string | string[], durations?: { expire?: number }): Promise<void>
  resetRequestCache(): void
}

export type IncrementalCacheClass = new (context?: IncrementalCacheContext) => IncrementalCacheHandler

/** What is stored per key: Next's value and when it was made, the tags that judge it, its cache-control. */
interface StoredPage {
  value: IncrementalValue
  lastModified: number
  tags: string[]
  cacheControl?: StoredCacheControl
}

const TAGS_HEADER = 'x-next-cache-tags'
const DEVELOPMENT = 'development'

/**
 * Makes the `cacheHandler` class: `export default createIncrementalCache(() => createTieredCache())`.
 * The factory runs once per process, on the first cache call.
 */
export function createIncrementalCache(
  factory: CacheFactory,
  options: NextCacheOptions = {},
): IncrementalCacheClass {
  const { resolved, shared, tags } = handlerParts(factory, options)
  const lease =
    resolved.lock === undefined
      ? undefined
      : new RenderLease(resolved.lock, resolved.lockTtlMs, resolved.lockTimeoutMs, resolved.onError)
  let buildId = resolved.buildId

  const keyOf = (cacheKey: string): string => toKey(['next', buildId ?? DEVELOPMENT, cacheKey])

  return class TieredIncrementalCache implements IncrementalCacheHandler {
    constructor(context: IncrementalCacheContext = {}) {
      buildId ??= readBuildId(context.serverDistDir)
    }

    async get(cacheKey: string, ctx: Record<string, unknown> = {}): Promise<IncrementalCacheEntry | null> {
      const key = keyOf(cacheKey)
      const isFetch = ctx.kind === 'FETCH' || ctx.fetchCache === true
      const stored = await shared.get<StoredPage>(key)
      const requestTags = [...tagList(ctx.tags), ...tagList(ctx.softTags)]
      const judge = async (page: StoredPage | undefined) =>
        page === undefined ? 'expired' : await tags.state([...page.tags, ...requestTags], page.lastModified)
      const state = await judge(stored)
      if (stored !== undefined && state !== 'expired') {
        if (isFetch)
          return state === 'stale'
            ? { ...toEntry(stored), lastModified: staleLastModified(stored, ctx) }
            : toEntry(stored)
        const now = Date.now()
        const stale = state === 'stale' || outlived(stored, now)
        // One background render per fleet: a process that does not get the lease serves the page as fresh.
        if (stale && (lease === undefined || (await lease.claim(key)))) {
          return { ...toEntry(stored), lastModified: staleLastModified(stored, ctx) }
        }
        // A page within its own revalidate window is answered as made now when its cache-control is stored: Next 15
        // judges a page by the revalidate its own process remembers, and a page another process rendered would
        // otherwise be stale after Next's default of 1 s and rendered again here.
        return stored.cacheControl === undefined ? toEntry(stored) : { ...toEntry(stored), lastModified: now }
      }
      // A miss (or an expired tag): with a lock, one process of the fleet renders and the others wait for its set.
      if (isFetch || lease === undefined) return null
      const landed = await lease.awaitTurn(key, async () => {
        const page = await shared.get<StoredPage>(key)
        return (await judge(page)) === 'expired' ? undefined : page
      })
      return landed === undefined ? null : toEntry(landed)
    }

    async set(cacheKey: string, data: IncrementalValue, ctx: Record<string, unknown> = {}): Promise<void> {
      const key = keyOf(cacheKey)
      try {
        const cacheControl = cacheControlOf(ctx, data)
        const page: StoredPage = {
          value: data,
          lastModified: Date.now(),
          tags: tagsOf(data, ctx),
          ...(cacheControl === undefined ? {} : { cacheControl }),
        }
        await shared.set(key, page, { ttl: ttlOf(cacheControl, resolved.maxTtlMs) })
      } finally {
        lease?.release(key)
      }
    }

    async revalidateTag(tagsToRevalidate: string | string[], durations?: { expire?: number }): Promise<void> {
      try {
        await tags.update(tagList(tagsToRevalidate), durations)
      } catch (error) {
        resolved.onError(error)
      }
    }

    resetRequestCache(): void {
      // Nothing is kept per request: the memory tier is per process and the bus keeps it true.
    }
  }
}

function toEntry(page: StoredPage): IncrementalCacheEntry {
  return {
    lastModified: page.lastModified,
    value: page.value,
    ...(page.cacheControl === undefined ? {} : { cacheControl: page.cacheControl }),
  }
}

/**
 * A `lastModified` that makes Next see the entry as stale (serve it, render again in the background): older than
 * its revalidate window, younger than its expire. `-1` (a blocking render) when no such time exists.
 */
function staleLastModified(page: StoredPage, ctx: Record<string, unknown>): number {
  const now = Date.now()
  if (page.value?.kind === 'FETCH') {
    const revalidate = Number(ctx.revalidate || page.value.revalidate) || 0
    return now - revalidate * 1000 - 1_000
  }
  const revalidate = page.cacheControl?.revalidate
  if (typeof revalidate !== 'number') return -1
  const expire = page.cacheControl?.expire
  if (typeof expire === 'number' && expire <= revalidate + 1) return -1
  return now - revalidate * 1000 - 1_000
}

/** Whether a page is past its own revalidate window. */
function outlived(page: StoredPage, now: number): boolean {
  const revalidate = page.cacheControl?.revalidate
  return typeof revalidate === 'number' && page.lastModified + revalidate * 1000 <= now
}

/** The tags an entry carries: a page's `x-next-cache-tags` header, a fetch's `tags`. */
function tagsOf(data: IncrementalValue, ctx: Record<string, unknown>): string[] {
  const headers = data?.headers as Record<string, unknown> | undefined
  const header = headers?.[TAGS_HEADER]
  const fromHeader = typeof header === 'string' && header !== '' ? header.split(',') : []
  const fromData = data?.kind === 'FETCH' ? tagList((data.data as { tags?: unknown } | undefined)?.tags) : []
  return [...new Set([...fromHeader, ...tagList(ctx.tags), ...fromData])]
}

/** Next 15.3+ and 16 pass `cacheControl`; earlier 15s passed `revalidate` alone. */
function cacheControlOf(
  ctx: Record<string, unknown>,
  data: IncrementalValue,
): StoredCacheControl | undefined {
  const control = ctx.cacheControl as StoredCacheControl | undefined
  if (control !== undefined && typeof control === 'object') return control
  const revalidate = ctx.revalidate ?? (data?.kind === 'FETCH' ? data.revalidate : undefined)
  if (typeof revalidate === 'number' || revalidate === false) return { revalidate }
  return undefined
}

/** An entry lives until its `expire`, else `maxTtl`; never less than a second. */
function ttlOf(cacheControl: StoredCacheControl | undefined, maxTtlMs: number): number {
  const expire = cacheControl?.expire
  if (typeof expire === 'number' && Number.isFinite(expire) && expire > 0) {
    return Math.min(Math.max(expire * 1000, 1_000), maxTtlMs)
  }
  return maxTtlMs
}

function readBuildId(serverDistDir: string | undefined): string | undefined {
  if (serverDistDir === undefined) return undefined
  try {
    return readFileSync(join(serverDistDir, '..', 'BUILD_ID'), 'utf8').trim() || undefined
  } catch {
    return undefined
  }
}
