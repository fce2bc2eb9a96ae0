// The process's TieredCache behind the handlers: made once from the app's factory, every call guarded so that a
// failing factory or store never fails a render (a read is a miss, a write is skipped; both are reported).

import { type EntryOptions, hasErrorCode, type TieredCache } from '@tiered/core'
import type { CacheFactory } from './options.js'

export class SharedCache {
  #made: Promise<TieredCache | undefined> | undefined

  readonly #onError: (error: unknown) => void

  constructor(
    private readonly factory: CacheFactory,
    onError: (error: unknown) => void,
  ) {
    // A write still running when the app closed its cache (the tag book's second write, 250 ms later) has nothing
    // left to keep true: CacheClosedError is the app's own doing, not a fault to report.
    this.#onError = (error) => {
      if (!hasErrorCode(error, 'TIERED_CLOSED')) onError(error)
    }
  }

  /** The app's cache, or undefined when the factory failed (reported once; the next call tries again). */
  cache(): Promise<TieredCache | undefined> {
    this.#made ??= (async () => {
      try {
        return await this.factory()
      } catch (error) {
        this.#onError(error)
        this.#made = undefined
        return undefined
      }
    })()
    return this.#made
  }

  async get<T>(key: string): Promise<T | undefined> {
    try {
      return await (await this.cache())?.get<T>(key)
    } catch (error) {
      this.#onError(error)
      return undefined
    }
  }

  async set(key: string, value: unknown, options: EntryOptions): Promise<void> {
    try {
      await (await this.cache())?.set(key, value, options)
    } catch (error) {
      this.#onError(error)
    }
  }

  /** The value under `key`, loading (and caching) `fallback` when no tier has one. */
  async read<T>(key: string, fallback: () => T, ttlMs: number): Promise<T> {
    try {
      const cache = await this.cache()
      if (cache === undefined) return fallback()
      return await cache.swr({ queryKey: key, queryFn: fallback, ttl: ttlMs })
    } catch (error) {
      this.#onError(error)
      return fallback()
    }
  }
}
