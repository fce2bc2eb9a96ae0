// swr as a function, the shape of the Go library's Swr[T](QueryOptions{TieredCache, ...}).

import type { TieredCache } from './tiered-cache.js'
import type { SwrOptions } from './types.js'

export interface StandaloneSwrOptions<T> extends SwrOptions<T> {
  cache: TieredCache
}

/** `cache.swr(options)`, for code that passes the cache along with the query. */
export function swr<T>(options: StandaloneSwrOptions<T>): Promise<T> {
  const cache = options?.cache
  if (cache === undefined || cache === null || typeof cache.swr !== 'function') {
    return Promise.reject(new TypeError('swr needs `cache`: a TieredCache'))
  }
  return cache.swr(options)
}
