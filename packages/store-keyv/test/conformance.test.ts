// The Keyv tier against the shared conformance suite: Keyv's in-memory default, and @keyv/redis on a real server.
import KeyvRedis from '@keyv/redis'
import { runStoreConformance } from '@tiered/store-test-suite'
import { Keyv } from 'keyv'
import { inject } from 'vitest'
import { createKeyvStore } from '../src/index.js'

runStoreConformance('Keyv in memory', (namespace) => createKeyvStore('keyv', new Keyv({ namespace })))
runStoreConformance(
  'Keyv on @keyv/redis',
  (namespace) => createKeyvStore('keyv-redis', new Keyv(new KeyvRedis(inject('redisUrl')), { namespace })),
  { cleanup: (store) => store.close?.() },
)
