// Rules for a value the store cannot encode: the branded serialization error, never a write of part of an entry,
// and in a batch only that item left out. The engine reports such errors without counting them against the tier.

import { hasErrorCode } from '@tiered/core'
import { check, checkEqual, show } from '../check.js'
import type { CaseContext, Suite } from '../harness.js'
import { sampleEntry } from '../samples.js'

const NO_SAMPLE =
  'no unencodableValue was given: right only for a store that keeps every value as it is (memory); ' +
  'a store with a format passes one (a BigInt for JSON)'

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return show(error)
  const code = (error as { code?: unknown }).code
  return `${error.name} (code ${show(code)}): ${error.message}`
}

function sampleOf(context: CaseContext): () => unknown {
  const make = context.options.unencodableValue
  if (make === undefined) context.skip(NO_SAMPLE)
  return make
}

export function serializationCases(suite: Suite): void {
  const { longMs } = suite.ttl

  suite.store(
    "set of a value the store cannot encode rejects with code 'TIERED_SERIALIZATION' and writes nothing",
    async (context) => {
      const unencodable = sampleOf(context)
      const { store } = await context.open()
      let failure: { error: unknown } | undefined
      try {
        await store.set('unencodable', sampleEntry(unencodable()), longMs)
      } catch (error) {
        failure = { error }
      }
      check(failure !== undefined, 'set of the unencodable value resolved; it must reject')
      check(
        hasErrorCode(failure.error, 'TIERED_SERIALIZATION'),
        `set rejected with ${describeError(failure.error)}; the error's code must be 'TIERED_SERIALIZATION' ` +
          '(throw CacheSerializationError from @tiered/core), or the engine counts it as a failing tier',
      )
      const read = await store.get('unencodable')
      check(read === undefined, `after the refused set, get gave ${show(read)}`)
    },
  )

  suite.store(
    "setMany writes every other item and rejects with code 'TIERED_SERIALIZATION' naming the key left out",
    async (context) => {
      const unencodable = sampleOf(context)
      const { store } = await context.open()
      const setMany = store.setMany?.bind(store) ?? context.skip('the store has no setMany()')
      const before = sampleEntry('before')
      const after = sampleEntry({ after: [0, false, null] })
      let failure: { error: unknown } | undefined
      try {
        await setMany([
          { key: 'before', entry: before, ttlMs: longMs },
          { key: 'unencodable', entry: sampleEntry(unencodable()), ttlMs: longMs },
          { key: 'after', entry: after, ttlMs: longMs },
        ])
      } catch (error) {
        failure = { error }
      }
      checkEqual(await store.get('before'), before, 'the item before the unencodable one')
      checkEqual(await store.get('after'), after, 'the item after the unencodable one')
      const read = await store.get('unencodable')
      check(read === undefined, `the unencodable item was written: get gave ${show(read)}`)
      check(failure !== undefined, 'setMany resolved; it must reject once the other items are written')
      check(
        hasErrorCode(failure.error, 'TIERED_SERIALIZATION'),
        `setMany rejected with ${describeError(failure.error)}; the error's code must be 'TIERED_SERIALIZATION'`,
      )
      checkEqual(
        (failure.error as { keys?: unknown }).keys,
        ['unencodable'],
        "the error's `keys` (the items left out)",
      )
    },
  )
}
