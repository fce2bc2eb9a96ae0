// close(): every call resolves once the tiers are closed; calls still running reject with CacheClosedError, even
// when their loader ignores its signal; nothing runs after it.

import { createMapStore } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { type CacheStore, TieredCache } from '../src/index.js'

describe('close', () => {
  it('a second close() during the first resolves only once the tiers are closed', async () => {
    let finishClose: () => void = () => {}
    let closed = false
    const store: CacheStore = {
      ...createMapStore('slow-close'),
      name: 'slow-close',
      close: () =>
        new Promise<void>((resolve) => {
          finishClose = () => {
            closed = true
            resolve()
          }
        }),
    }
    const cache = new TieredCache({ stores: [store] })
    const first = cache.close()
    let secondDone = false
    const second = cache.close().then(() => {
      secondDone = true
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(secondDone).toBe(false)
    finishClose()
    await Promise.all([first, second])
    expect(closed).toBe(true)
  })

  it('a call whose loader ignores its signal rejects with CacheClosedError at close, not with the late value', async () => {
    const cache = new TieredCache({ stores: [createMapStore('l1')] })
    let finish: (value: string) => void = () => {}
    const call = cache.swr({
      queryKey: 'k',
      queryFn: () => new Promise<string>((resolve) => (finish = resolve)),
    })
    const outcome = call.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    )
    await new Promise((resolve) => setTimeout(resolve, 5))
    await cache.close()
    finish('late')
    expect(await outcome).toMatchObject({ error: { code: 'TIERED_CLOSED', name: 'CacheClosedError' } })
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'TIERED_CLOSED' })
  })
})
