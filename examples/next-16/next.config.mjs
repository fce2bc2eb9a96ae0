import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** @type {import('next').NextConfig} */
export default {
  // `pnpm bench` starts this app with another handler (TIERED_BENCH_CACHE_HANDLER) to compare the two.
  cacheHandler: process.env.TIERED_BENCH_CACHE_HANDLER ?? require.resolve('./cache-handler.mjs'),
  cacheHandlers: {
    default: require.resolve('./use-cache-handler.mjs'),
    remote: require.resolve('./use-cache-handler.mjs'),
  },
  // Next's own in-process copy would answer before the handler and never hear of another process's revalidation.
  cacheMaxMemorySize: 0,
  experimental: { useCache: true },
  // The e2e test builds this app on every run: its types are checked by `tsc` in CI's typecheck, not twice.
  typescript: { ignoreBuildErrors: true },
}
