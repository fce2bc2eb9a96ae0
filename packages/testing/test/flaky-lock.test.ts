import { setTimeout } from 'node:timers/promises'
import type { CacheLock } from '@tiered/core'
import { describe, expect, it } from 'vitest'
import { createFlakyLock, InjectedFleetError } from '../src/index.js'

/** The smallest lock: one holder per key, no expiry. */
function mapLock(): CacheLock & { held: Map<string, string> } {
  const held = new Map<string, string>()
  let next = 0
  return {
    held,
    acquire(key) {
      if (held.has(key)) return undefined
      const token = `t${next++}`
      held.set(key, token)
      return token
    },
    release(key, token) {
      if (held.get(key) === token) held.delete(key)
    },
  }
}

describe('createFlakyLock', () => {
  it('passes calls through as promises and counts them', async () => {
    const lock = createFlakyLock(mapLock())
    const token = await lock.acquire('k', 1_000)
    expect(token).toBeTypeOf('string')
    expect(await lock.acquire('k', 1_000)).toBeUndefined()
    await lock.release('k', token as string)
    expect(await lock.acquire('k', 1_000)).toBeTypeOf('string')
    expect(lock.calls).toEqual({ acquire: 3, release: 1 })
  })

  it('fails the next call with an InjectedFleetError, or every call until heal()', async () => {
    const lock = createFlakyLock(mapLock())
    lock.failNext('acquire')
    await expect(lock.acquire('k', 1_000)).rejects.toBeInstanceOf(InjectedFleetError)
    expect(await lock.acquire('k', 1_000)).toBeTypeOf('string')
    lock.failAlways('all', new Error('down'))
    await expect(lock.acquire('j', 1_000)).rejects.toThrow('down')
    await expect(lock.release('k', 'x')).rejects.toThrow('down')
    lock.heal()
    expect(await lock.acquire('j', 1_000)).toBeTypeOf('string')
  })

  it('hangs calls until heal(), which lets them through to the inner lock', async () => {
    const inner = mapLock()
    const lock = createFlakyLock(inner)
    lock.hang('acquire')
    let answer: unknown = 'pending'
    const acquiring = lock.acquire('k', 1_000).then((token) => {
      answer = token
    })
    await setTimeout(20)
    expect(answer).toBe('pending')
    expect(inner.held.size).toBe(0)
    lock.heal()
    await acquiring
    expect(answer).toBeTypeOf('string')
    expect(inner.held.get('k')).toBe(answer)
  })

  it('answers "held elsewhere" without asking the inner lock, next or always', async () => {
    const inner = mapLock()
    const lock = createFlakyLock(inner)
    lock.holdNext()
    expect(await lock.acquire('k', 1_000)).toBeUndefined()
    expect(inner.held.size).toBe(0)
    expect(await lock.acquire('k', 1_000)).toBeTypeOf('string')
    lock.holdAlways()
    expect(await lock.acquire('j', 1_000)).toBeUndefined()
    expect(await lock.acquire('i', 1_000)).toBeUndefined()
    lock.heal()
    expect(await lock.acquire('j', 1_000)).toBeTypeOf('string')
  })

  it('slows calls down; a held answer comes after the delay', async () => {
    const lock = createFlakyLock(mapLock())
    lock.delay('acquire', 60)
    lock.holdNext()
    const started = performance.now()
    expect(await lock.acquire('k', 1_000)).toBeUndefined()
    expect(performance.now() - started).toBeGreaterThanOrEqual(55)
  })
})
