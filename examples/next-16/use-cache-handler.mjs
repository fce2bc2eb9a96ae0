// next.config (16): cacheHandlers.default and .remote. 'use cache' and 'use cache: remote' entries.
import { createUseCacheHandler } from '@tiered/next'
import { shared } from './tiered-cache.mjs'

export default createUseCacheHandler(() => shared().cache)
