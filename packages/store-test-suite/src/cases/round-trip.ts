// Rules for get and set: a miss is undefined, an entry of every JSON shape (and its tags) comes back exactly as
// written, and undefined is refused.

import { check, checkEqual, show } from '../check.js'
import type { Suite } from '../harness.js'
import { JSON_SHAPES, sampleEntry } from '../samples.js'

export function roundTripCases(suite: Suite): void {
  const { longMs } = suite.ttl

  suite.store('get of a key never written is undefined', async ({ open }) => {
    const { store } = await open()
    const read = await store.get('never-written')
    check(read === undefined, `get('never-written') gave ${show(read)}`)
  })

  for (const [shape, make] of JSON_SHAPES) {
    suite.store(`round-trips an entry whose value is ${shape}`, async ({ open }) => {
      const { store } = await open()
      const entry = sampleEntry(make())
      await store.set('shape', entry, longMs)
      checkEqual(
        await store.get('shape'),
        sampleEntry(make(), entry.createdAt),
        'the entry read back differs',
      )
    })
  }

  suite.store("returns the entry's four timestamps exactly", async ({ open }) => {
    const { store } = await open()
    const entry = { value: 'v', createdAt: 1_111, freshUntil: 2_222, expiresAt: 3_333, graceUntil: 4_444 }
    await store.set('timestamps', entry, longMs)
    const read = await store.get('timestamps')
    checkEqual(
      read && {
        createdAt: read.createdAt,
        freshUntil: read.freshUntil,
        expiresAt: read.expiresAt,
        graceUntil: read.graceUntil,
      },
      { createdAt: 1_111, freshUntil: 2_222, expiresAt: 3_333, graceUntil: 4_444 },
      'the timestamps read back differ',
    )
  })

  // The engine may run on its own clock (TieredCache's `now`), so a store must not judge entries by their dates.
  suite.store(
    "keeps an entry for the ttl it was given, whatever the entry's own timestamps say",
    async ({ open }) => {
      const { store } = await open()
      const entry = sampleEntry('from a clock far behind', 1_000)
      await store.set('old-dates', entry, longMs)
      checkEqual(await store.get('old-dates'), entry, 'an entry dated 1970 was dropped or changed')
    },
  )

  // Tags decide deleteByTag and expireByTag: a store that drops them makes tag invalidation miss its entries.
  suite.store("round-trips an entry's tags, by set and get and by setMany and getMany", async ({ open }) => {
    const { store } = await open()
    const tags = ['user:1', 'tenant:ä', 'a:b%c', '🔑']
    const entry = { ...sampleEntry({ id: 1 }), tags }
    await store.set('tagged', entry, longMs)
    checkEqual(await store.get('tagged'), entry, 'the tagged entry read back by get differs')
    const untagged = sampleEntry('no tags')
    await store.set('untagged', untagged, longMs)
    checkEqual(await store.get('untagged'), untagged, 'an entry without tags came back with some')
    if (store.setMany) {
      const other = { ...sampleEntry(2), tags: ['only-one'] }
      await store.setMany([{ key: 'tagged-many', entry: other, ttlMs: longMs }])
      checkEqual(await store.get('tagged-many'), other, 'the tags of an entry written by setMany were lost')
    }
    if (store.getMany) {
      checkEqual(await store.getMany(['tagged']), [entry], 'getMany lost the tags')
    }
  })

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
      check(refused, 'set of an entry whose value is undefined resolved; it must throw or reject')
      const read = await store.get('undefined-value')
      check(read === undefined, `after the refused set, get gave ${show(read)}`)
    },
  )
}
