// Rule for concurrent writes: racing sets of one key leave exactly one of the written entries, whole.

import { isDeepStrictEqual } from 'node:util'
import type { CacheEntry } from '@tiered/core'
import { check, show } from '../check.js'
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
      check(read !== undefined, `after ${WRITERS} parallel sets, the key was missing`)
      check(
        written.some((entry) => isDeepStrictEqual(entry, read)),
        `after ${WRITERS} parallel sets, the entry read is none of them (torn or mixed): ${show(read).slice(0, 300)}`,
      )
    },
  )
}
