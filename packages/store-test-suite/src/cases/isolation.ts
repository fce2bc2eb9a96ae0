// Rules for namespaces and clear: two stores on different namespaces never see or remove each other's keys.

import { expect } from 'vitest'
import type { Suite } from '../harness.js'
import { sampleEntry } from '../samples.js'

export function isolationCases(suite: Suite): void {
  const { longMs } = suite.ttl

  suite.store('a store does not see keys written under another namespace', async ({ open }) => {
    const { store: first } = await open()
    const { store: second } = await open()
    const ours = sampleEntry('first')
    await first.set('shared-name', ours, longMs)
    expect(await second.get('shared-name')).toBeUndefined()
    const theirs = sampleEntry('second')
    await second.set('shared-name', theirs, longMs)
    expect(await first.get('shared-name')).toEqual(ours)
    expect(await second.get('shared-name')).toEqual(theirs)
  })

  suite.store("delete under one namespace leaves the other namespace's key", async ({ open }) => {
    const { store: first } = await open()
    const { store: second } = await open()
    const theirs = sampleEntry('second')
    await first.set('shared-name', sampleEntry('first'), longMs)
    await second.set('shared-name', theirs, longMs)
    await first.delete('shared-name')
    expect(await first.get('shared-name')).toBeUndefined()
    expect(await second.get('shared-name')).toEqual(theirs)
  })

  suite.store(
    'clear removes every key of the store',
    async ({ open }) => {
      const { store } = await open()
      const keys = ['a', 'a:b', 'a*', '🔑']
      for (const key of keys) await store.set(key, sampleEntry(key), longMs)
      await store.clear?.()
      for (const key of keys) expect(await store.get(key), key).toBeUndefined()
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
      expect(await cleared.get('shared-name')).toBeUndefined()
      expect(await other.get('shared-name')).toEqual(kept)
      expect(await other.get('only-here')).toEqual(kept)
    },
    { needs: 'clear' },
  )
}
