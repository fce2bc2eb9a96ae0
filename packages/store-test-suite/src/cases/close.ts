// Rules for close(), skipped for a store without it: it settles, twice, and leaves the application's client open.

import { CLOSED_CLIENT, check, describeError, fail } from '../check.js'
import type { Suite } from '../harness.js'
import { sampleEntry } from '../samples.js'

export function closeCases(suite: Suite): void {
  const { longMs } = suite.ttl

  suite.store(
    'close resolves, and a second close resolves too',
    async ({ open, close }) => {
      const { store } = await open()
      await store.set('k', sampleEntry('v'), longMs)
      await close(store)
      await close(store)
    },
    { needs: 'close' },
  )

  suite.store(
    'close leaves the client the store was given open',
    async ({ open, close, options, skip }) => {
      const clientIsOpen =
        options.clientIsOpen ?? skip('no clientIsOpen was given, so the client cannot be checked')
      const { store } = await open()
      await store.set('k', sampleEntry('v'), longMs)
      check(
        await clientIsOpen(store),
        'clientIsOpen was false before close(): the check cannot tell anything',
      )
      await close(store)
      let stillOpen: boolean
      try {
        stillOpen = await clientIsOpen(store)
      } catch (error) {
        fail(`${CLOSED_CLIENT}: after store.close(), clientIsOpen threw ${describeError(error)}`)
      }
      check(stillOpen, `${CLOSED_CLIENT}: after store.close(), clientIsOpen says it is closed`)
    },
    { needs: 'close' },
  )
}
