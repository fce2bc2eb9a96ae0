// Where node:diagnostics_channel is missing (a runtime without it), core still loads and works, publishing nothing.

import diagnostics from 'node:diagnostics_channel'
import { createMapStore } from '@tiered/testing'
import { afterEach, expect, it, vi } from 'vitest'

afterEach(() => {
  vi.unstubAllGlobals()
  vi.resetModules()
})

it('a runtime without node:diagnostics_channel: the cache works and publishes nothing', async () => {
  const real = process.getBuiltinModule
  vi.stubGlobal('process', {
    ...process,
    getBuiltinModule: (id: string) => (id === 'node:diagnostics_channel' ? undefined : real?.(id)),
  })
  vi.resetModules()
  const { TieredCache } = await import('../src/index.js')
  const seen: unknown[] = []
  const start = diagnostics.tracingChannel('tiered:operation').start
  const listener = (message: unknown) => seen.push(message)
  start.subscribe(listener)
  try {
    const cache = new TieredCache({ stores: [createMapStore('memory')] })
    expect(await cache.swr({ queryKey: 'k', queryFn: () => 'v' })).toBe('v')
    expect(await cache.swr({ queryKey: 'k', queryFn: () => 'w' })).toBe('v')
  } finally {
    start.unsubscribe(listener)
  }
  expect(seen).toEqual([])
})
