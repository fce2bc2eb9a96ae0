// Rules for delete and overwrite: a deleted key misses, deleting a missing key is fine, a write replaces.

import { check, checkEqual, show, valueIn } from '../check.js'
import type { Suite } from '../harness.js'
import { sampleEntry } from '../samples.js'

export function deleteOverwriteCases(suite: Suite): void {
  const { longMs } = suite.ttl

  suite.store('delete removes the entry', async ({ open }) => {
    const { store } = await open()
    await store.set('k', sampleEntry('v'), longMs)
    await store.set('other', sampleEntry('kept'), longMs)
    await store.delete('k')
    const read = await store.get('k')
    check(read === undefined, `after delete('k'), get('k') gave ${show(read)}`)
    checkEqual(valueIn(await store.get('other')), 'kept', "delete('k') changed another key")
  })

  suite.store('delete of a key never written resolves', async ({ open }) => {
    const { store } = await open()
    await store.delete('never-written')
    const read = await store.get('never-written')
    check(read === undefined, `get after deleting a key never written gave ${show(read)}`)
  })

  suite.store('overwrite replaces the value', async ({ open }) => {
    const { store } = await open()
    await store.set('k', sampleEntry({ version: 1, extra: 'dropped on overwrite' }), longMs)
    const second = sampleEntry({ version: 2 })
    await store.set('k', second, longMs)
    checkEqual(await store.get('k'), second, 'after two sets of one key, get did not give the second entry')
  })
}
