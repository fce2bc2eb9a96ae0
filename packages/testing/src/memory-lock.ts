// An in-process lock for fleet tests: one object shared by several TieredCache instances in one process, with the
// lease semantics of createRedisLock (a token per holder, a lease that lapses at its ttl, release by token only).
// `hold` plays a process that took the lease and then died or went slow.

import { randomUUID } from 'node:crypto'
import type { CacheLock } from '@tiered/core'

export interface MemoryLock extends CacheLock {
  /** Takes the lease for `key` as another process would, for `ttlMs`; gives its token. */
  hold(key: string, ttlMs: number): string
  /** True while someone holds the lease for `key`. */
  held(key: string): boolean
  /**
   * Runs before each acquire answers (e.g. a delay, or `hold` the key to answer "held elsewhere"). Set it to
   * undefined to remove it.
   */
  beforeAcquire: ((key: string) => void | Promise<void>) | undefined
  /** How many times acquire and release were called. */
  readonly calls: { acquire: number; release: number }
  /** Every key acquire was asked for, in order. */
  readonly asked: string[]
}

export function createMemoryLock(): MemoryLock {
  const leases = new Map<string, { token: string; until: number }>()
  const take = (key: string, ttlMs: number): string | undefined => {
    const lease = leases.get(key)
    if (lease !== undefined && Date.now() < lease.until) return undefined
    const token = randomUUID()
    leases.set(key, { token, until: Date.now() + ttlMs })
    return token
  }
  const lock: MemoryLock = {
    beforeAcquire: undefined,
    calls: { acquire: 0, release: 0 },
    asked: [],
    hold(key, ttlMs) {
      const token = randomUUID()
      leases.set(key, { token, until: Date.now() + ttlMs })
      return token
    },
    held(key) {
      const lease = leases.get(key)
      return lease !== undefined && Date.now() < lease.until
    },
    async acquire(key, ttlMs) {
      lock.calls.acquire++
      lock.asked.push(key)
      await lock.beforeAcquire?.(key)
      return take(key, ttlMs)
    },
    async release(key, token) {
      lock.calls.release++
      if (leases.get(key)?.token === token) leases.delete(key)
    },
  }
  return lock
}
