// Rule for concurrent writes: racing sets of one key leave exactly one of the written entries, whole.

import type { CacheEntry } from '@tiered/core'
import { expect } from 'vitest'
import type { Suite } from '../harness.js'
import { sampleEntry } from '../samples.js'

const WRITERS = 50

export function concurrencyCases(suite: Suite): void {
  const { longMs } = suite.ttl

  suite.store(
    `${WRITERS} parallel sets of one key leave exactly one written entry, intact`,
    async ({ open }) => {
      const { store } = await open()
      const written: CacheEntry[] = Array.from({ length: WRITERS }, (_, writer) =>
        sampleEntry({ writer, payload: `${writer}:`.padEnd(2_000, String.fromCharCode(97 + (writer % 26))) }),
      )
      await Promise.all(written.map((entry) => store.set('contended', entry, longMs)))
      const read = await store.get('contended')
      expect(read).toBeDefined()
      expect(written).toContainEqual(read)
    },
  )
}
