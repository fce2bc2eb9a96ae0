// A store whose close() closes the application's client fails the close rules with a message that names the point
// (close() must leave the client open), not with whatever the closed client threw (a third-party SQLite store got
// "The database connection is not open", from its own cleanup, and nothing else).

import type { CacheStore } from '@tiered/core'
import { createMapStore } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { type ConformanceOptions, runStoreConformance, type TestRunner } from '../src/index.js'

/** A client like better-sqlite3's: every call on it once closed throws. */
function createClosableClient() {
  let open = true
  return {
    get open() {
      return open
    },
    close() {
      open = false
    },
    use(): void {
      if (!open) throw new TypeError('The database connection is not open')
    },
  }
}

/** Registers the suite with a runner that only collects its cases, and returns the close rules' bodies. */
function closeCases(options: (client: ReturnType<typeof createClosableClient>) => ConformanceOptions) {
  const client = createClosableClient()
  const cases = new Map<string, () => Promise<void>>()
  const runner: TestRunner = {
    describe: (_name, body) => body(),
    it: (name: string, body: () => Promise<void>) => void cases.set(name, body),
  }
  runStoreConformance(
    'a store that closes its client',
    (namespace): CacheStore => {
      const store = createMapStore(namespace)
      // The store's close() closes the client it was given: the bug.
      return Object.assign(store, { close: () => client.close() })
    },
    { ...options(client), runner },
  )
  const body = (name: string) => {
    const run = cases.get(name)
    if (run === undefined) throw new Error(`no case "${name}"`)
    return run
  }
  return {
    closesTwice: body('close resolves, and a second close resolves too'),
    leavesClientOpen: body('close leaves the client the store was given open'),
  }
}

const POINT = 'close() must leave the client the store was given open'

describe('a store whose close() closes the client it was given', () => {
  it('fails the close rule with the point when the cleanup then fails on the closed client', async () => {
    const { closesTwice } = closeCases((client) => ({ cleanup: () => client.use() }))
    const failure = await closesTwice().then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(failure).toMatchObject({ name: 'ConformanceError' })
    expect(String((failure as Error).message)).toContain(
      `rule: close resolves, and a second close resolves too: ${POINT}`,
    )
    expect(String((failure as Error).message)).toContain('The database connection is not open')
  })

  it('fails with the point when clientIsOpen throws on the closed client', async () => {
    const { leavesClientOpen } = closeCases((client) => ({
      clientIsOpen: () => {
        client.use()
        return true
      },
    }))
    await expect(leavesClientOpen()).rejects.toThrow(
      `rule: close leaves the client the store was given open: ${POINT}`,
    )
  })

  it('fails with the point when clientIsOpen says it is closed', async () => {
    const { leavesClientOpen } = closeCases((client) => ({ clientIsOpen: () => client.open }))
    await expect(leavesClientOpen()).rejects.toThrow(/clientIsOpen says it is closed/)
    await expect(
      closeCases((client) => ({ clientIsOpen: () => client.open })).leavesClientOpen(),
    ).rejects.toThrow(POINT)
  })
})
