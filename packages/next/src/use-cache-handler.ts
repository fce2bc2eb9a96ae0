// The object for Next 16's `cacheHandlers` (`'use cache'`, `'use cache: remote'`). Its keys carry the build ID
// already. Entries are stored as their bytes and metadata; each `get` returns a new stream over the bytes; a `get`
// racing a pending `set` of the same key in this process waits for it; tags (the entry's and the request's soft
// tags) are judged by the shared tag records, so `getExpiration` leaves the soft tags to `get` (`Infinity`).

import { toKey } from '@tiered/core'
import { handlerParts } from './handler-parts.js'
import type { CacheFactory, NextCacheOptions } from './options.js'
import { tagList } from './tag-book.js'

/** Next 16's `CacheEntry` (`next/dist/server/lib/cache-handlers/types`). */
export interface UseCacheEntry {
  value: ReadableStream<Uint8Array>
  tags: string[]
  stale: number
  timestamp: number
  expire: number
  revalidate: number
}

/** Next 16's `CacheHandler` for `cacheHandlers`. */
export interface UseCacheHandler {
  get(cacheKey: string, softTags: string[]): Promise<UseCacheEntry | undefined>
  set(cacheKey: string, pendingEntry: Promise<UseCacheEntry>): Promise<void>
  refreshTags(): Promise<void>
  getExpiration(tags: string[]): Promise<number>
  updateTags(tags: string[], durations?: { expire?: number }): Promise<void>
}

interface StoredUseCacheEntry extends Omit<UseCacheEntry, 'value'> {
  bytes: Uint8Array
}

/**
 * Makes the `cacheHandlers` object: `export default createUseCacheHandler(() => createTieredCache())`.
 * The factory runs once per process, on the first cache call.
 */
export function createUseCacheHandler(
  factory: CacheFactory,
  options: NextCacheOptions = {},
): UseCacheHandler {
  const { resolved, shared, tags } = handlerParts(factory, options)
  const pendingSets = new Map<string, Promise<void>>()
  const keyOf = (cacheKey: string): string => toKey(['next', 'use-cache', cacheKey])

  return {
    async get(cacheKey, softTags) {
      await pendingSets.get(cacheKey)
      const stored = await shared.get<StoredUseCacheEntry>(keyOf(cacheKey))
      if (stored === undefined) return undefined
      if (Date.now() > stored.timestamp + stored.expire * 1000) return undefined
      const state = await tags.state([...stored.tags, ...tagList(softTags)], stored.timestamp)
      if (state === 'expired') return undefined
      const { bytes, ...entry } = stored
      return { ...entry, revalidate: state === 'stale' ? -1 : entry.revalidate, value: streamOf(bytes) }
    },

    async set(cacheKey, pendingEntry) {
      let done = (): void => {}
      const pending = new Promise<void>((resolve) => {
        done = resolve
      })
      pendingSets.set(cacheKey, pending)
      try {
        const entry = await pendingEntry
        // An `expire: 0` entry is dynamic: Next regenerates it on every read, so storing it would be wasted.
        if (entry.expire === 0) {
          await entry.value.cancel().catch(() => {})
          return
        }
        const bytes = await bytesOf(entry.value)
        const { value: _stream, ...metadata } = entry
        const stored: StoredUseCacheEntry = { ...metadata, tags: [...entry.tags], bytes }
        await shared.set(keyOf(cacheKey), stored, { ttl: ttlOf(entry, resolved.maxTtlMs) })
      } catch (error) {
        // A stream that errored delivers a partial entry: nothing is stored.
        resolved.onError(error)
      } finally {
        if (pendingSets.get(cacheKey) === pending) pendingSets.delete(cacheKey)
        done()
      }
    },

    async refreshTags() {
      // Tag records are read per entry from the shared tiers, and the bus keeps every memory copy true.
    },

    async getExpiration() {
      // Soft tags are judged in `get`, against the same records as the entry's own tags.
      return Number.POSITIVE_INFINITY
    },

    async updateTags(tagsToUpdate, durations) {
      try {
        await tags.update(tagList(tagsToUpdate), durations)
      } catch (error) {
        resolved.onError(error)
      }
    },
  }
}

/** The entry's `expire` (seconds) from its timestamp, within `maxTtl`. */
function ttlOf(entry: UseCacheEntry, maxTtlMs: number): number {
  const remaining = entry.timestamp + entry.expire * 1000 - Date.now()
  return Number.isFinite(remaining) ? Math.min(Math.max(remaining, 1_000), maxTtlMs) : maxTtlMs
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let length = 0
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    length += value.byteLength
  }
  const bytes = Buffer.allocUnsafe(length)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new Uint8Array(bytes))
      controller.close()
    },
  })
}
