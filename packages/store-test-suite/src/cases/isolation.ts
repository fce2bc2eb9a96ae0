// Rules for namespaces and clear: two stores on different namespaces never see or remove each other's keys.

import { check, checkEqual, show } from '../check.js'
import type { Suite } from '../harness.js'
import { sampleEntry } from '../samples.js'

export function isolationCases(suite: Suite): void {
  const { longMs } = suite.ttl

  suite.store('a store does not see keys written under another namespace', async ({ open }) => {
    const { store: first } = await open()
    const { store: second } = await open()
    const ours = sampleEntry('first')
    await first.set('shared-name', ours, longMs)
    const seen = await second.get('shared-name')
    check(seen === undefined, `a store on another namespace read ${show(seen)}`)
    const theirs = sampleEntry('second')
    await second.set('shared-name', theirs, longMs)
    checkEqual(
      await first.get('shared-name'),
      ours,
      "the first namespace's entry, after the second wrote its own",
    )
    checkEqual(await second.get('shared-name'), theirs, "the second namespace's entry")
  })

  suite.store("delete under one namespace leaves the other namespace's key", async ({ open }) => {
    const { store: first } = await open()
    const { store: second } = await open()
    const theirs = sampleEntry('second')
    await first.set('shared-name', sampleEntry('first'), longMs)
    await second.set('shared-name', theirs, longMs)
    await first.delete('shared-name')
    const deleted = await first.get('shared-name')
    check(deleted === undefined, `after delete, the deleting store still gave ${show(deleted)}`)
    checkEqual(
      await second.get('shared-name'),
      theirs,
      "the other namespace's entry, after delete in the first",
    )
  })

  suite.store(
    'clear removes every key of the store',
    async ({ open }) => {
      const { store } = await open()
      const keys = ['a', 'a:b', 'a*', '🔑']
      for (const key of keys) await store.set(key, sampleEntry(key), longMs)
      await store.clear?.()
      for (const key of keys) {
        const read = await store.get(key)
        check(read === undefined, `after clear, get(${JSON.stringify(key)}) gave ${show(read)}`)
      }
    },
    { needs: 'clear' },
  )

  suite.store(
    'clear leaves the keys of a store on another namespace',
    async ({ open }) => {
      const { store: cleared } = await open()
      const { store: other } = await open()
      const kept = sampleEntry('kept')
      await cleared.set('shared-name', sampleEntry('cleared'), longMs)
      await other.set('shared-name', kept, longMs)
      await other.set('only-here', kept, longMs)
      await cleared.clear?.()
      const read = await cleared.get('shared-name')
      check(read === undefined, `after clear, the cleared store still gave ${show(read)}`)
      checkEqual(await other.get('shared-name'), kept, "the other namespace's 'shared-name' after clear")
      checkEqual(await other.get('only-here'), kept, "the other namespace's 'only-here' after clear")
    },
    { needs: 'clear' },
  )
}
