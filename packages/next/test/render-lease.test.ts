// RenderLease with a scripted lock (a fast unit test; the real Redis lock runs in incremental-cache.test.ts).

import type { CacheLock } from '@tiered/core'
import { describe, expect, it } from 'vitest'
import { RenderLease } from '../src/render-lease.js'

function scriptedLock(answers: (string | undefined)[]): CacheLock & { released: string[] } {
  const released: string[] = []
  return {
    released,
    acquire: () => answers.shift(),
    release: (_key, token) => {
      released.push(token)
    },
  }
}

describe('RenderLease', () => {
  it('a waiter that gets the lease just after the holder wrote and released serves the value, no second render', async () => {
    const lock = scriptedLock([undefined, 'token-2'])
    const lease = new RenderLease(lock, 5_000, 500, () => {})
    const reads = [undefined, { html: 'from the holder' }]
    const turn = await lease.awaitTurn('page', async () => reads.shift())
    expect(turn).toEqual({ html: 'from the holder' })
    expect(lock.released).toEqual(['token-2'])
  })

  it('renders (resolves undefined) when the lock fails, reports it, and skips the lock for a cooldown', async () => {
    const errors: unknown[] = []
    let calls = 0
    const lock: CacheLock = {
      acquire: () => {
        calls += 1
        throw new Error('redis down')
      },
      release: () => {},
    }
    const lease = new RenderLease(lock, 5_000, 500, (error) => errors.push(error))
    expect(await lease.awaitTurn('a', async () => undefined)).toBeUndefined()
    expect(await lease.awaitTurn('b', async () => undefined)).toBeUndefined()
    expect(calls).toBe(1)
    expect(errors).toHaveLength(1)
  })
})
