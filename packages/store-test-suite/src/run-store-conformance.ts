// runStoreConformance: registers, under one describe, every rule a CacheStore must follow, one test per rule.

import { batchCases } from './cases/batch.js'
import { closeCases } from './cases/close.js'
import { concurrencyCases } from './cases/concurrency.js'
import { deleteOverwriteCases } from './cases/delete-overwrite.js'
import { isolationCases } from './cases/isolation.js'
import { keyCases } from './cases/keys.js'
import { roundTripCases } from './cases/round-trip.js'
import { serializationCases } from './cases/serialization.js'
import { ttlCases } from './cases/ttl.js'
import { createSuite, type MakeStore } from './harness.js'
import { type ConformanceOptions, ttlTimings } from './options.js'
import { resolveRunner } from './runner.js'

/**
 * Registers the conformance suite for a store under `describe(label)`, with vitest's describe/it or the
 * `options.runner` given. `makeStore(namespace)` is called for each store a test needs, every time with a
 * namespace no other test uses; after the test the store is cleared (when it has `clear`) and handed to
 * `options.cleanup`. A failure's message starts with `rule: <the rule's name>`.
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
  for (const name of ['cleanup', 'unencodableValue', 'clientIsOpen'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`\`${name}\` must be a function`)
    }
  }
  const runner = resolveRunner(options.runner)
  const suite = createSuite(runner, makeStore, options, ttlTimings(options))
  runner.describe(label, () => {
    runner.describe('get and set', () => roundTripCases(suite))
    runner.describe('ttl', () => ttlCases(suite))
    runner.describe('delete and overwrite', () => deleteOverwriteCases(suite))
    runner.describe('keys', () => keyCases(suite))
    runner.describe('concurrent writes', () => concurrencyCases(suite))
    runner.describe('batch methods', () => batchCases(suite))
    runner.describe('values the store cannot encode', () => serializationCases(suite))
    runner.describe('namespaces and clear', () => isolationCases(suite))
    runner.describe('close', () => closeCases(suite))
  })
}
