// The hot path on its own: cache.swr on a fresh memory hit against a bare Map.get, both awaited, with mitata.

import { TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { bench, do_not_optimize, run, summary } from 'mitata'

const KEYS = Array.from({ length: 1_000 }, (_, i) => `user:${i}`)
const map = new Map(KEYS.map((key) => [key, { id: key }]))
const cache = new TieredCache({ stores: [createMemoryStore('memory')] })
const queryFn = () => ({ id: 'loaded' })
for (const key of KEYS) await cache.swr({ queryKey: key, queryFn, fresh: '2s', ttl: '5m' })

let i = 0
summary(() => {
  bench('bare Map.get (awaited)', async () => {
    do_not_optimize(await map.get(KEYS[i++ % 1_000] as string))
  }).baseline(true)
  bench('tiered swr, fresh memory hit', async () => {
    do_not_optimize(
      await cache.swr({ queryKey: KEYS[i++ % 1_000] as string, queryFn, fresh: '2s', ttl: '5m' }),
    )
  })
})

await run()
