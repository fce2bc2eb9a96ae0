// The conformance suite under node:test, from ESM: run by node-test.test.ts as `node --import tsx --test`.
// With FOLD_KEY_CASE=1 the memory store is wrapped to lower-case its keys, to see how a failure reads there.
import { describe, it } from 'node:test'
import type { CacheStore } from '@tiered/core'
import { runStoreConformance } from '@tiered/store-test-suite'
import { createMemoryStore } from '../../src/index.js'

function foldingKeyCase(store: CacheStore): CacheStore {
  const fold = (key: string) => key.toLowerCase()
  return {
    name: store.name,
    get: (key) => store.get(fold(key)),
    set: (key, entry, ttlMs) => store.set(fold(key), entry, ttlMs),
    delete: (key) => store.delete(fold(key)),
    clear: () => store.clear?.(),
  }
}

const folds = process.env.FOLD_KEY_CASE === '1'
runStoreConformance(
  `createMemoryStore under node:test (ESM)${folds ? ', keys lower-cased' : ''}`,
  (namespace) => (folds ? foldingKeyCase(createMemoryStore(namespace)) : createMemoryStore(namespace)),
  { runner: { describe, it } },
)
