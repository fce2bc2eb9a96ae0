// next.config: cacheHandler. ISR pages, route handlers, the fetch cache and unstable_cache.
import { createIncrementalCache } from '@tiered/next'
import { shared } from './tiered-cache.mjs'

export default createIncrementalCache(() => shared().cache, { lock: shared().lock })
