// Rules for get and set: a miss is undefined, and an entry of every JSON shape comes back exactly as written.

import { expect } from 'vitest'
import type { Suite } from '../harness.js'
import { JSON_SHAPES, sampleEntry } from '../samples.js'

export function roundTripCases(suite: Suite): void {
  const { longMs } = suite.ttl

  suite.store('get of a key never written is undefined', async ({ open }) => {
    const { store } = await open()
    expect(await store.get('never-written')).toBeUndefined()
  })

  for (const [shape, make] of JSON_SHAPES) {
    suite.store(`round-trips an entry whose value is ${shape}`, async ({ open }) => {
      const { store } = await open()
      const entry = sampleEntry(make())
      await store.set('shape', entry, longMs)
      expect(await store.get('shape')).toEqual(sampleEntry(make(), entry.createdAt))
    })
  }

  suite.store("returns the entry's four timestamps exactly", async ({ open }) => {
    const { store } = await open()
    const entry = { value: 'v', createdAt: 1_111, freshUntil: 2_222, expiresAt: 3_333, graceUntil: 4_444 }
    await store.set('timestamps', entry, longMs)
    const read = await store.get('timestamps')
    expect(read?.createdAt).toBe(1_111)
    expect(read?.freshUntil).toBe(2_222)
    expect(read?.expiresAt).toBe(3_333)
    expect(read?.graceUntil).toBe(4_444)
  })

  // The engine may run on its own clock (TieredCache's `now`), so a store must not judge entries by their dates.
  suite.store(
    "keeps an entry for the ttl it was given, whatever the entry's own timestamps say",
    async ({ open }) => {
      const { store } = await open()
      const entry = sampleEntry('from a clock far behind', 1_000)
      await store.set('old-dates', entry, longMs)
      expect(await store.get('old-dates')).toEqual(entry)
    },
  )

  // tiered never caches undefined (a loader's undefined means "nothing to cache"); a store handed one anyway must
  // refuse it rather than keep an entry that some formats would read back without its value.
  suite.store(
    'refuses an entry whose value is undefined, and keeps nothing under the key',
    async ({ open }) => {
      const { store } = await open()
      let refused = false
      try {
        await store.set('undefined-value', sampleEntry(undefined), longMs)
      } catch {
        refused = true
      }
      expect(refused).toBe(true)
      expect(await store.get('undefined-value')).toBeUndefined()
    },
  )
}
