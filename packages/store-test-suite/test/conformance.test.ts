// The suite against the reference map store, answering synchronously (like memory) and with promises (like
// Redis); and the suite's own promise that every store a case opens gets a fresh namespace and is cleaned.

import { createMapStore, type MapStore } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { runStoreConformance } from '../src/index.js'

runStoreConformance('map store (sync)', (namespace) => createMapStore(namespace))
runStoreConformance('map store (async)', (namespace) => createMapStore(namespace, { async: true }))

const opened: MapStore[] = []
const cleaned: MapStore[] = []
runStoreConformance(
  'map store without batch methods (async)',
  (namespace) => {
    const store = createMapStore(namespace, { async: true, batch: false })
    opened.push(store)
    return store
  },
  { cleanup: (store) => void cleaned.push(store as MapStore) },
)

describe('runStoreConformance', () => {
  // Registered after the suite above, so it runs once every case of it has finished.
  it('gave every store a fresh namespace, then cleared it and handed it to cleanup, skipped cases included', () => {
    expect(opened.length).toBeGreaterThan(30)
    expect(new Set(opened.map((store) => store.name)).size).toBe(opened.length)
    for (const store of opened) expect(store.name).toMatch(/^conformance-[0-9a-f]{8}-\d+$/)
    expect(cleaned).toEqual(opened)
    expect(opened.every((store) => store.size === 0)).toBe(true)
  })

  it('refuses a bad label, makeStore, ttlGranularityMs, cleanup, unencodableValue, clientIsOpen or runner', () => {
    const makeStore = (namespace: string) => createMapStore(namespace)
    expect(() => runStoreConformance('', makeStore)).toThrow(TypeError)
    expect(() => runStoreConformance('x', 'nope' as never)).toThrow(TypeError)
    expect(() => runStoreConformance('x', makeStore, { ttlGranularityMs: 0 })).toThrow(RangeError)
    expect(() => runStoreConformance('x', makeStore, { ttlGranularityMs: Number.NaN })).toThrow(RangeError)
    expect(() => runStoreConformance('x', makeStore, { cleanup: 'nope' as never })).toThrow(TypeError)
    expect(() => runStoreConformance('x', makeStore, { unencodableValue: 1n as never })).toThrow(TypeError)
    expect(() => runStoreConformance('x', makeStore, { clientIsOpen: true as never })).toThrow(TypeError)
    expect(() => runStoreConformance('x', makeStore, { runner: { describe: () => {} } as never })).toThrow(
      /describe, it/,
    )
  })
})
