// Rules for keys: any string is a key, and two different strings are two different keys.

import { expect } from 'vitest'
import type { Suite } from '../harness.js'
import { AWKWARD_KEYS, kibibyteKey, sampleEntry, UNICODE_KEYS } from '../samples.js'

export function keyCases(suite: Suite): void {
  const { longMs } = suite.ttl

  suite.store('keeps unicode keys apart and intact', async ({ open }) => {
    const { store } = await open()
    for (const key of UNICODE_KEYS) await store.set(key, sampleEntry(`value of ${key}`), longMs)
    for (const key of UNICODE_KEYS) expect((await store.get(key))?.value, key).toBe(`value of ${key}`)
  })

  suite.store('keeps 1 KiB keys that differ only in their last character apart', async ({ open }) => {
    const { store } = await open()
    const [a, b] = [kibibyteKey('a'), kibibyteKey('b')]
    expect(a).toHaveLength(1_024)
    await store.set(a, sampleEntry('a'), longMs)
    await store.set(b, sampleEntry('b'), longMs)
    expect((await store.get(a))?.value).toBe('a')
    expect((await store.get(b))?.value).toBe('b')
    await store.delete(a)
    expect(await store.get(a)).toBeUndefined()
    expect((await store.get(b))?.value).toBe('b')
  })

  suite.store(
    "keeps keys with ':' '%' '*' '?' '[' spaces and newlines apart, and deletes only the one named",
    async ({ open }) => {
      const { store } = await open()
      for (const key of AWKWARD_KEYS) await store.set(key, sampleEntry(`value of ${key}`), longMs)
      for (const key of AWKWARD_KEYS) {
        expect((await store.get(key))?.value, JSON.stringify(key)).toBe(`value of ${key}`)
      }
      // A store that deletes by pattern would take 'a' and friends along with 'a*' or '*'.
      await store.delete('a*')
      await store.delete('*')
      await store.delete('a?')
      for (const key of AWKWARD_KEYS) {
        const expected = ['a*', '*', 'a?'].includes(key) ? undefined : `value of ${key}`
        expect((await store.get(key))?.value, JSON.stringify(key)).toBe(expected)
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
      expect((await store.get(plain))?.value).toBe('plain')
      expect((await store.get(prefixed))?.value).toBe('prefixed')
      if (store.getMany) {
        const many = await store.getMany([plain, prefixed])
        expect(many.map((entry) => entry?.value)).toEqual(['plain', 'prefixed'])
      }
      await store.delete(prefixed)
      expect((await store.get(plain))?.value).toBe('plain')
      expect(await store.get(prefixed)).toBeUndefined()
    },
  )
}
