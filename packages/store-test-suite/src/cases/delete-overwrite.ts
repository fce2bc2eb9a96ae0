// Rules for delete and overwrite: a deleted key misses, deleting a missing key is fine, a write replaces.

import { expect } from 'vitest'
import type { Suite } from '../harness.js'
import { sampleEntry } from '../samples.js'

export function deleteOverwriteCases(suite: Suite): void {
  const { longMs } = suite.ttl

  suite.store('delete removes the entry', async ({ open }) => {
    const { store } = await open()
    await store.set('k', sampleEntry('v'), longMs)
    await store.set('other', sampleEntry('kept'), longMs)
    await store.delete('k')
    expect(await store.get('k')).toBeUndefined()
    expect((await store.get('other'))?.value).toBe('kept')
  })

  suite.store('delete of a key never written resolves', async ({ open }) => {
    const { store } = await open()
    await store.delete('never-written')
    expect(await store.get('never-written')).toBeUndefined()
  })

  suite.store('overwrite replaces the value', async ({ open }) => {
    const { store } = await open()
    await store.set('k', sampleEntry({ version: 1, extra: 'dropped on overwrite' }), longMs)
    const second = sampleEntry({ version: 2 })
    await store.set('k', second, longMs)
    expect(await store.get('k')).toEqual(second)
  })
}
