// Rules for expiry: an entry lives for the ttl it was written with, no shorter and not much longer.

import { checkEqual, fail } from '../check.js'
import type { Suite } from '../harness.js'
import { foreverEntry, sampleEntry } from '../samples.js'
import { expectMissWithinTtl, sleep } from '../wait-for-miss.js'

export function ttlCases(suite: Suite): void {
  const { shortMs, longMs, lateMs, testTimeoutMs } = suite.ttl

  suite.store(
    'keeps an entry until its ttl has passed',
    async ({ open }) => {
      const { store } = await open()
      const entry = sampleEntry('short-lived')
      const start = performance.now()
      await store.set('short', entry, shortMs)
      // Only a read that finished before the ttl ran out proves an early drop.
      const readBeforeTtl = async (): Promise<void> => {
        const read = await store.get('short')
        const elapsed = performance.now() - start
        if (read === undefined && elapsed < shortMs) {
          fail(`the entry was gone ${Math.round(elapsed)} ms after set, before its ttl of ${shortMs} ms`)
        }
        if (read !== undefined) checkEqual(read, entry, 'the entry changed before its ttl ran out')
      }
      await readBeforeTtl()
      await sleep(Math.max(0, start + shortMs / 2 - performance.now()))
      await readBeforeTtl()
    },
    { timeoutMs: testTimeoutMs },
  )

  suite.store(
    'drops an entry once its ttl has passed',
    async ({ open }) => {
      const { store } = await open()
      const start = performance.now()
      await store.set('short', sampleEntry('short-lived'), shortMs)
      await expectMissWithinTtl(
        suite.ttl,
        start,
        () => store.get('short'),
        (read) => read === undefined,
        `an entry written with a ttl of ${shortMs} ms was still returned ${shortMs + lateMs} ms later`,
      )
    },
    { timeoutMs: testTimeoutMs },
  )

  suite.store(
    'keeps an entry written with ttlMs Infinity (no expiry), its instants unchanged',
    async ({ open }) => {
      const { store } = await open()
      const entry = foreverEntry('kept')
      await store.set('forever', entry, Number.POSITIVE_INFINITY)
      const batched = foreverEntry('kept by setMany')
      await store.setMany?.([{ key: 'forever-many', entry: batched, ttlMs: Number.POSITIVE_INFINITY }])
      // Past the short ttl every other case waits for: a store that took Infinity for "expire now" or for a short
      // default has dropped it by then.
      await sleep(shortMs + suite.ttl.granularityMs)
      checkEqual(
        await store.get('forever'),
        entry,
        'an entry written with ttlMs Infinity did not come back as written',
      )
      if (store.setMany !== undefined) {
        checkEqual(
          await store.get('forever-many'),
          batched,
          'an entry written by setMany with ttlMs Infinity did not come back as written',
        )
      }
    },
    { timeoutMs: testTimeoutMs },
  )

  suite.store(
    'overwrite replaces the ttl',
    async ({ open }) => {
      const { store } = await open()
      await store.set('k', sampleEntry('long-lived'), longMs)
      const start = performance.now()
      await store.set('k', sampleEntry('short-lived'), shortMs)
      await expectMissWithinTtl(
        suite.ttl,
        start,
        () => store.get('k'),
        (read) => read === undefined,
        `overwritten with a ttl of ${shortMs} ms, the key was still returned ${shortMs + lateMs} ms later: ` +
          'the first ttl was kept',
      )
    },
    { timeoutMs: testTimeoutMs },
  )
}
