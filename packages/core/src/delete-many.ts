// cache.deleteMany(keys): one batched invalidation per tier (the store's deleteMany when it has one), one bus notice
// naming every key, and the running loads of those keys superseded, as delete does for one key.

import { CacheClosedError } from './errors.js'
import { toKey } from './query-key.js'
import type { Tier } from './tier.js'
import type { QueryKey } from './types.js'
import { invalidateTiers } from './write-path.js'

/** What deleteMany needs of its cache. */
export interface DeleteManyHost {
  readonly tiers: readonly Tier[]
  closed(): boolean
  /** A delete wins over the reads and loads of the key already running. */
  supersede(key: string): void
  /** Queues a `delete` notice per key (one tick: one message); settles once published. */
  announce(keys: readonly string[]): Promise<unknown> | undefined
}

export async function deleteMany(host: DeleteManyHost, queryKeys: readonly QueryKey[]): Promise<void> {
  if (host.closed()) throw new CacheClosedError()
  if (!Array.isArray(queryKeys)) throw new TypeError('deleteMany takes an array of query keys')
  // Every key is checked before anything is removed: a bad one removes nothing.
  const keys = [...new Set(queryKeys.map((queryKey) => toKey(queryKey)))]
  if (keys.length === 0) return
  for (const key of keys) host.supersede(key)
  try {
    await invalidateTiers(host.tiers, `deleteMany of ${keys.length} keys`, (tier) => tier.removeMany(keys))
  } finally {
    await host.announce(keys)
  }
}
