// What both handler factories take: the app's TieredCache (made once per process), an optional lock for one render
// per fleet, and where failures are reported.

import { type CacheLock, type Duration, parseDuration, type TieredCache } from '@tiered/core'

/** Returns the app's TieredCache; called once per process, on the first cache call. */
export type CacheFactory = () => TieredCache | Promise<TieredCache>

export interface NextCacheOptions {
  /**
   * A lock shared by the fleet (`createRedisLock` from `@tiered/store-redis`). With it a cold page requested from
   * several processes at once is rendered by one: the `get` that misses takes a lease, the `set` that follows
   * releases it, the other processes wait for the value. Without it every process renders on its own.
   */
  lock?: CacheLock
  /** How long a lease lasts when no `set` follows (a failed or uncached render). Default `'10s'`. */
  lockTtl?: Duration
  /** The longest a call waits for the lock itself (Redis down or hung). Default `'500ms'`. */
  lockTimeout?: Duration
  /**
   * The longest an entry with no `expire` of its own is kept (fetch cache, pages with `revalidate: false`).
   * Default `'14d'`. Tag records live twice as long, so a record never goes before an entry it invalidates.
   */
  maxTtl?: Duration
  /** The build ID pages are namespaced by. Default: read from `.next/BUILD_ID` (then `'development'`). */
  buildId?: string
  /** Failures of the factory, the lock or a store call. Default: `console.warn`. */
  onError?: (error: unknown) => void
}

export interface ResolvedOptions {
  lock: CacheLock | undefined
  lockTtlMs: number
  lockTimeoutMs: number
  maxTtlMs: number
  buildId: string | undefined
  onError: (error: unknown) => void
}

function positive(value: Duration, name: string): number {
  const ms = parseDuration(value)
  if (!(ms > 0)) throw new RangeError(`\`${name}\` must be a positive duration, got ${String(value)}`)
  return ms
}

export function resolveOptions(factory: unknown, options: NextCacheOptions): ResolvedOptions {
  if (typeof factory !== 'function') {
    throw new TypeError(
      '@tiered/next: pass a function that returns your TieredCache (called once per process)',
    )
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError('@tiered/next: `onError` must be a function')
  }
  if (options.buildId !== undefined && (typeof options.buildId !== 'string' || options.buildId === '')) {
    throw new TypeError('@tiered/next: `buildId` must be a non-empty string')
  }
  return {
    lock: options.lock,
    lockTtlMs: positive(options.lockTtl ?? '10s', 'lockTtl'),
    lockTimeoutMs: positive(options.lockTimeout ?? '500ms', 'lockTimeout'),
    maxTtlMs: positive(options.maxTtl ?? '14d', 'maxTtl'),
    buildId: options.buildId,
    onError: options.onError ?? ((error) => console.warn('[@tiered/next]', error)),
  }
}
