// Rules for the optional batch methods, each skipped for a store without it: order, misses, ttl per item.

import { expect } from 'vitest'
import type { Suite } from '../harness.js'
import { sampleEntry } from '../samples.js'
import { expectMissWithinTtl } from '../wait-for-miss.js'

export function batchCases(suite: Suite): void {
  const { shortMs, longMs, lateMs, testTimeoutMs } = suite.ttl

  suite.store(
    'getMany returns one result per key, in the order asked, undefined for misses',
    async ({ open }) => {
      const { store } = await open()
      const [a, b, c] = [sampleEntry(0), sampleEntry(''), sampleEntry(false)]
      await store.set('a', a, longMs)
      await store.set('b', b, longMs)
      await store.set('c', c, longMs)
      const many = await store.getMany?.(['c', 'missing', 'a', 'b', 'a'])
      expect(many).toEqual([c, undefined, a, b, a])
    },
    { needs: 'getMany' },
  )

  suite.store(
    'getMany never returns an entry past its ttl',
    async ({ open }) => {
      const { store } = await open()
      const kept = sampleEntry('long-lived')
      await store.set('long', kept, longMs)
      const start = performance.now()
      await store.set('short', sampleEntry('short-lived'), shortMs)
      // Only getMany reads here: a get could make a lazy store drop the key and hide the bug.
      await expectMissWithinTtl(
        suite.ttl,
        start,
        async () => (await store.getMany?.(['short', 'long'])) ?? [],
        (many) => many[0] === undefined,
        `getMany still returned an entry written with a ttl of ${shortMs} ms ${shortMs + lateMs} ms later`,
      )
      expect(await store.getMany?.(['short', 'long'])).toEqual([undefined, kept])
    },
    { needs: 'getMany', timeoutMs: testTimeoutMs },
  )

  suite.store(
    'setMany writes every item',
    async ({ open }) => {
      const { store } = await open()
      const items = [
        { key: 'a', entry: sampleEntry(0), ttlMs: longMs },
        { key: 'b', entry: sampleEntry(null), ttlMs: longMs },
        { key: 'c', entry: sampleEntry({ nested: [false] }), ttlMs: longMs },
      ]
      await store.setMany?.(items)
      for (const { key, entry } of items) expect(await store.get(key), key).toEqual(entry)
    },
    { needs: 'setMany' },
  )

  suite.store(
    "setMany honours each item's ttl",
    async ({ open }) => {
      const { store } = await open()
      const kept = sampleEntry('long-lived')
      const start = performance.now()
      await store.setMany?.([
        { key: 'short', entry: sampleEntry('short-lived'), ttlMs: shortMs },
        { key: 'long', entry: kept, ttlMs: longMs },
      ])
      await expectMissWithinTtl(
        suite.ttl,
        start,
        () => store.get('short'),
        (read) => read === undefined,
        `an item written by setMany with a ttl of ${shortMs} ms was still returned ${shortMs + lateMs} ms later`,
      )
      expect(await store.get('long')).toEqual(kept)
    },
    { needs: 'setMany', timeoutMs: testTimeoutMs },
  )

  suite.store(
    'deleteMany removes the keys given and ignores missing ones',
    async ({ open }) => {
      const { store } = await open()
      const kept = sampleEntry('kept')
      await store.set('a', sampleEntry('a'), longMs)
      await store.set('b', sampleEntry('b'), longMs)
      await store.set('c', kept, longMs)
      await store.deleteMany?.(['a', 'missing', 'b'])
      expect(await store.get('a')).toBeUndefined()
      expect(await store.get('b')).toBeUndefined()
      expect(await store.get('c')).toEqual(kept)
    },
    { needs: 'deleteMany' },
  )
}
