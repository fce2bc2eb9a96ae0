// runStoreConformance: registers, under one describe, every rule a CacheStore must follow, one `it` per rule.

import { describe } from 'vitest'
import { batchCases } from './cases/batch.js'
import { concurrencyCases } from './cases/concurrency.js'
import { deleteOverwriteCases } from './cases/delete-overwrite.js'
import { isolationCases } from './cases/isolation.js'
import { keyCases } from './cases/keys.js'
import { roundTripCases } from './cases/round-trip.js'
import { ttlCases } from './cases/ttl.js'
import { createSuite, type MakeStore } from './harness.js'
import { type ConformanceOptions, ttlTimings } from './options.js'

/**
 * Registers the conformance suite for a store under `describe(label)`. `makeStore(namespace)` is called for
 * each store a test needs, every time with a namespace no other test uses; after the test the store is
 * cleared (when it has `clear`) and handed to `options.cleanup`.
 */
export function runStoreConformance(
  label: string,
  makeStore: MakeStore,
  options: ConformanceOptions = {},
): void {
  if (typeof label !== 'string' || label.length === 0) {
    throw new TypeError('runStoreConformance needs a non-empty label')
  }
  if (typeof makeStore !== 'function') {
    throw new TypeError('runStoreConformance needs makeStore: (namespace) => CacheStore')
  }
  if (options.cleanup !== undefined && typeof options.cleanup !== 'function') {
    throw new TypeError('`cleanup` must be a function (store) => void')
  }
  const suite = createSuite(makeStore, options, ttlTimings(options))
  describe(label, () => {
    describe('get and set', () => roundTripCases(suite))
    describe('ttl', () => ttlCases(suite))
    describe('delete and overwrite', () => deleteOverwriteCases(suite))
    describe('keys', () => keyCases(suite))
    describe('concurrent writes', () => concurrencyCases(suite))
    describe('batch methods', () => batchCases(suite))
    describe('namespaces and clear', () => isolationCases(suite))
  })
}
