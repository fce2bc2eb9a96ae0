// Rules for keys: any string is a key, and two different strings are two different keys, byte for byte.

import { check, checkEqual, show, valueIn } from '../check.js'
import type { Suite } from '../harness.js'
import { AWKWARD_KEYS, kibibyteKey, NEAR_KEYS, sampleEntry, UNICODE_KEYS } from '../samples.js'

export function keyCases(suite: Suite): void {
  const { longMs } = suite.ttl

  suite.store('keeps unicode keys apart and intact', async ({ open }) => {
    const { store } = await open()
    for (const key of UNICODE_KEYS) await store.set(key, sampleEntry(`value of ${key}`), longMs)
    for (const key of UNICODE_KEYS) {
      checkEqual(valueIn(await store.get(key)), `value of ${key}`, `the value under ${JSON.stringify(key)}`)
    }
  })

  // The engine hands keys over exactly as the application made them: a store that folds case, trims or normalises
  // them would serve one key's value for another.
  suite.store('keeps keys that differ only in case, or by one byte, apart', async ({ open }) => {
    const { store } = await open()
    for (const key of NEAR_KEYS) await store.set(key, sampleEntry(`value of ${key}`), longMs)
    for (const key of NEAR_KEYS) {
      checkEqual(
        valueIn(await store.get(key)),
        `value of ${key}`,
        `the value under ${JSON.stringify(key)} (written beside ${NEAR_KEYS.filter((k) => k !== key)
          .map((k) => JSON.stringify(k))
          .join(', ')})`,
      )
    }
    await store.delete('key')
    const read = await store.get('key')
    check(read === undefined, `after delete('key'), get('key') gave ${show(read)}`)
    for (const key of NEAR_KEYS.filter((k) => k !== 'key')) {
      checkEqual(
        valueIn(await store.get(key)),
        `value of ${key}`,
        `delete('key') removed ${JSON.stringify(key)}`,
      )
    }
  })

  suite.store('keeps 1 KiB keys that differ only in their last character apart', async ({ open }) => {
    const { store } = await open()
    const [a, b] = [kibibyteKey('a'), kibibyteKey('b')]
    await store.set(a, sampleEntry('a'), longMs)
    await store.set(b, sampleEntry('b'), longMs)
    checkEqual(valueIn(await store.get(a)), 'a', 'the value under the first 1 KiB key')
    checkEqual(valueIn(await store.get(b)), 'b', 'the value under the second 1 KiB key')
    await store.delete(a)
    const read = await store.get(a)
    check(read === undefined, `after deleting the first 1 KiB key, it still gave ${show(read)}`)
    checkEqual(valueIn(await store.get(b)), 'b', 'deleting the first 1 KiB key removed the second')
  })

  suite.store(
    "keeps keys with ':' '%' '*' '?' '[' spaces and newlines apart, and deletes only the one named",
    async ({ open }) => {
      const { store } = await open()
      for (const key of AWKWARD_KEYS) await store.set(key, sampleEntry(`value of ${key}`), longMs)
      for (const key of AWKWARD_KEYS) {
        checkEqual(valueIn(await store.get(key)), `value of ${key}`, `the value under ${JSON.stringify(key)}`)
      }
      // A store that deletes by pattern would take 'a' and friends along with 'a*' or '*'.
      await store.delete('a*')
      await store.delete('*')
      await store.delete('a?')
      for (const key of AWKWARD_KEYS) {
        const expected = ['a*', '*', 'a?'].includes(key) ? undefined : `value of ${key}`
        checkEqual(
          valueIn(await store.get(key)),
          expected,
          `after deleting 'a*', '*' and 'a?', the value under ${JSON.stringify(key)}`,
        )
      }
    },
  )

  // Keyv, for one, leaves a key that already starts with `<namespace>:` unprefixed in get but not in getMany.
  suite.store(
    "keeps a key that starts with '<namespace>:' apart from the same key without it",
    async ({ open }) => {
      const { store, namespace } = await open()
      const plain = 'user:1'
      const prefixed = `${namespace}:${plain}`
      await store.set(plain, sampleEntry('plain'), longMs)
      await store.set(prefixed, sampleEntry('prefixed'), longMs)
      checkEqual(valueIn(await store.get(plain)), 'plain', `the value under '${plain}'`)
      checkEqual(valueIn(await store.get(prefixed)), 'prefixed', `the value under '${prefixed}'`)
      if (store.getMany) {
        const many = await store.getMany([plain, prefixed])
        checkEqual(many.map(valueIn), ['plain', 'prefixed'], 'getMany of both keys')
      }
      await store.delete(prefixed)
      checkEqual(valueIn(await store.get(plain)), 'plain', `deleting '${prefixed}' removed '${plain}'`)
      const read = await store.get(prefixed)
      check(read === undefined, `after deleting '${prefixed}', it still gave ${show(read)}`)
    },
  )
}
