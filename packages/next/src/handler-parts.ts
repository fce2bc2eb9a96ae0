// What both handlers are made of: the checked options, the process's TieredCache behind its guards, and the tag
// records they judge entries by.

import { type CacheFactory, type NextCacheOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { SharedCache } from './shared-cache.js'
import { TagBook } from './tag-book.js'

export interface HandlerParts {
  resolved: ResolvedOptions
  shared: SharedCache
  tags: TagBook
}

export function handlerParts(factory: CacheFactory, options: NextCacheOptions): HandlerParts {
  const resolved = resolveOptions(factory, options)
  const shared = new SharedCache(factory, resolved.onError)
  // A record lives twice the longest entry's life, so it never goes before an entry it invalidates.
  return { resolved, shared, tags: new TagBook(shared, resolved.maxTtlMs * 2) }
}
