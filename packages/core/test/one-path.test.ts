// The path a call takes does not depend on whether the cache has read a tier before: on a new cache, as after
// warm-up, the first of two same-tick calls for a key starts the load and the second joins it.

import { createMapStore } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { TieredCache } from '../src/index.js'

async function twoCallsInOneTick(cache: TieredCache, key: string) {
  const first = cache.swr({ queryKey: key, queryFn: async () => 'first' })
  const second = cache.swr({ queryKey: key, queryFn: async () => 'second' })
  return Promise.all([first, second])
}

describe('one path from the first call on', () => {
  it('memory only: the first call loads and the second joins it, on a new cache and after warm-up', async () => {
    const cache = new TieredCache({ stores: [createMapStore('memory')] })
    await expect(twoCallsInOneTick(cache, 'cold')).resolves.toEqual(['first', 'first'])
    await expect(twoCallsInOneTick(cache, 'warm')).resolves.toEqual(['first', 'first'])
    await cache.close()
  })

  it('memory over a remote tier: the same on a new cache and after warm-up', async () => {
    const cache = new TieredCache({
      stores: [createMapStore('memory'), createMapStore('remote', { async: true })],
    })
    await expect(twoCallsInOneTick(cache, 'cold')).resolves.toEqual(['first', 'first'])
    await expect(twoCallsInOneTick(cache, 'warm')).resolves.toEqual(['first', 'first'])
    await cache.close()
  })

  it('the first call’s error reaches the first call, with its own options', async () => {
    const cache = new TieredCache({ stores: [createMapStore('memory')] })
    const first = cache.swr({
      queryKey: 'k',
      queryFn: async (): Promise<string> => {
        throw new Error('first failed')
      },
    })
    const second = cache.swr({ queryKey: 'k', queryFn: async () => 'second' })
    await expect(first).rejects.toThrow('first failed')
    await expect(second).rejects.toThrow('first failed')
    await cache.close()
  })
})
