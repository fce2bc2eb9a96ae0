// SharedCache: every call guarded, a failure reported once as an error of the app's cache, never thrown.

import { TieredCache } from '@tiered/core'
import { createMapStore } from '@tiered/testing'
import { describe, expect, it } from 'vitest'
import { SharedCache } from '../src/shared-cache.js'

describe('SharedCache', () => {
  it('reports a failing factory and answers a miss', async () => {
    const errors: unknown[] = []
    const shared = new SharedCache(
      () => {
        throw new Error('no Redis at build time')
      },
      (error) => errors.push(error),
    )
    expect(await shared.get('k')).toBeUndefined()
    expect(errors).toHaveLength(1)
  })

  it('reports nothing for a write that reaches the cache after the app closed it (the tag book writes again later)', async () => {
    const errors: unknown[] = []
    const cache = new TieredCache({ stores: [createMapStore('map')] })
    const shared = new SharedCache(
      () => cache,
      (error) => errors.push(error),
    )
    await shared.set('k', 'v', {})
    await cache.close()
    await shared.set('k', 'late', {})
    expect(await shared.get('k')).toBeUndefined()
    expect(errors).toEqual([])
  })
})
