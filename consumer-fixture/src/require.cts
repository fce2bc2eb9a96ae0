// A CommonJS app: `require` resolves each package's `require` condition to its .d.cts.

import core = require('@tiered/core')
import keys = require('@tiered/keys')
import otel = require('@tiered/otel')
import storeKeyv = require('@tiered/store-keyv')
import storeMemory = require('@tiered/store-memory')
import storeRedis = require('@tiered/store-redis')
import storeTestSuite = require('@tiered/store-test-suite')

export const cache = new core.TieredCache({ stores: [storeMemory.createMemoryStore('memory')] })
export const key: string = keys.hashKeySHA256(['a', 1])
export type Everything = [typeof otel, typeof storeKeyv, typeof storeRedis, typeof storeTestSuite]
