// The Keyv tier against the shared conformance suite, on keyv 5 and keyv 6: each major's in-memory default, and
// @keyv/redis (5 for keyv 5, 6 for keyv 6) on a real server. The store never disconnects a Keyv: cleanup does.
import KeyvRedis from '@keyv/redis'
import { runStoreConformance } from '@tiered/store-test-suite'
import { Keyv } from 'keyv'
import { Keyv as Keyv6, KeyvRedis as KeyvRedis6 } from 'keyv6'
import { inject } from 'vitest'
import { createKeyvStore, type KeyvStore } from '../src/index.js'

const disconnect = (store: unknown) => (store as KeyvStore).keyv.disconnect?.()
/** The node-redis client under the store's @keyv/redis adapter: the store must leave it open. */
const clientIsOpen = (store: unknown) =>
  ((store as KeyvStore).keyv.store as { client: { isOpen: boolean } }).client.isOpen
/** A cycle: no JSON serializer encodes it (keyv 6's encodes BigInt, keyv 5's does not). */
const cyclic = (): unknown => {
  const value: { self?: unknown } = {}
  value.self = value
  return value
}

runStoreConformance('Keyv 5 in memory', (namespace) => createKeyvStore('keyv', new Keyv({ namespace })), {
  unencodableValue: () => ({ n: 1n }),
})
runStoreConformance(
  'Keyv 5 on @keyv/redis 5',
  (namespace) => createKeyvStore('keyv-redis', new Keyv(new KeyvRedis(inject('redisUrl')), { namespace })),
  { cleanup: disconnect, clientIsOpen, unencodableValue: () => ({ n: 1n }) },
)
runStoreConformance('Keyv 6 in memory', (namespace) => createKeyvStore('keyv', new Keyv6({ namespace })), {
  unencodableValue: cyclic,
})
runStoreConformance(
  'Keyv 6 on @keyv/redis 6',
  (namespace) => createKeyvStore('keyv-redis', new Keyv6(new KeyvRedis6(inject('redisUrl')), { namespace })),
  { cleanup: disconnect, clientIsOpen, unencodableValue: cyclic },
)
