// Rules for the optional batch methods, each skipped for a store without it: order, misses, ttl per item.

import { check, checkEqual, show } from '../check.js'
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
      checkEqual(many, [c, undefined, a, b, a], "getMany(['c', 'missing', 'a', 'b', 'a'])")
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
      checkEqual(
        await store.getMany?.(['short', 'long']),
        [undefined, kept],
        "getMany(['short', 'long']) at the end",
      )
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
      for (const { key, entry } of items)
        checkEqual(await store.get(key), entry, `the item '${key}' read back`)
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
      checkEqual(await store.get('long'), kept, 'the item with the long ttl')
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
      for (const key of ['a', 'b']) {
        const read = await store.get(key)
        check(read === undefined, `after deleteMany(['a', 'missing', 'b']), get('${key}') gave ${show(read)}`)
      }
      checkEqual(await store.get('c'), kept, "deleteMany(['a', 'missing', 'b']) changed 'c'")
    },
    { needs: 'deleteMany' },
  )
}
