import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { createMemoryLock } from '../src/index.js'

describe('createMemoryLock', () => {
  it('one holder per key until release by its token or the ttl', async () => {
    const lock = createMemoryLock()
    const token = await lock.acquire('k', 1_000)
    expect(typeof token).toBe('string')
    await expect(lock.acquire('k', 1_000)).resolves.toBeUndefined()
    await lock.release('k', 'not the token')
    expect(lock.held('k')).toBe(true)
    await lock.release('k', token as string)
    expect(lock.held('k')).toBe(false)
    lock.hold('k', 30)
    await expect(lock.acquire('k', 1_000)).resolves.toBeUndefined()
    await sleep(40)
    await expect(lock.acquire('k', 1_000)).resolves.toBeTypeOf('string')
    expect(lock.calls).toEqual({ acquire: 4, release: 2 })
  })

  it('beforeAcquire runs before each answer', async () => {
    const lock = createMemoryLock()
    lock.beforeAcquire = (key) => {
      lock.hold(key, 1_000)
    }
    await expect(lock.acquire('k', 1_000)).resolves.toBeUndefined()
  })
})
