// One render per fleet for a cold page: the `get` that misses takes a lease on the key and Next renders; the `set`
// that follows releases it (a render that sets nothing lets it run out after `lockTtl`). A process that finds the
// lease held waits for the holder's value, reading the shared tiers on a short poll, and tries the lease again as
// it goes, so a holder that died costs at most `lockTtl`. The lock is an optimisation: when it fails or is slower
// than `lockTimeout` the failure is reported, the lock is skipped for a cooldown, and the process renders alone.

import { setTimeout as sleep } from 'node:timers/promises'
import type { CacheLock } from '@tiered/core'

const POLL_MS = 40
const COOLDOWN_MS = 5_000

export class RenderLease {
  /** Tokens of the leases this process holds, by key (module scope: Next makes a handler per request). */
  readonly #held = new Map<string, string>()
  #skipUntil = 0

  constructor(
    private readonly lock: CacheLock,
    private readonly ttlMs: number,
    private readonly timeoutMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * After a miss: resolves `undefined` when this process should render (it holds the lease, or there is no usable
   * lock), or the value another process's render wrote (`read` found it).
   */
  async awaitTurn<T>(key: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    if (this.#held.has(key)) return undefined
    const deadline = Date.now() + this.ttlMs + POLL_MS
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.tryAcquire(key)
      if (outcome === 'no-lock') return undefined
      if (outcome === 'acquired') {
        if (attempt === 0) return undefined
        // The holder may have written its value and released between this process's last read and now.
        const landed = await read()
        if (landed === undefined) return undefined
        this.release(key)
        return landed
      }
      await sleep(POLL_MS)
      const value = await read()
      if (value !== undefined) return value
      if (Date.now() > deadline) return undefined
    }
  }

  /**
   * Before a background render of a stale page: takes the lease without waiting. `false` when another process holds
   * it (it is rendering the page: this one serves the entry as it is); `true` when this process should render.
   */
  async claim(key: string): Promise<boolean> {
    if (this.#held.has(key)) return true
    return (await this.tryAcquire(key)) !== 'held-elsewhere'
  }

  /** Ends this process's lease on `key`, if it holds one. Never throws. */
  release(key: string): void {
    const token = this.#held.get(key)
    if (token === undefined) return
    this.#held.delete(key)
    this.guard(() => this.lock.release(key, token)).catch(() => {})
  }

  private async tryAcquire(key: string): Promise<'acquired' | 'held-elsewhere' | 'no-lock'> {
    if (Date.now() < this.#skipUntil) return 'no-lock'
    try {
      const token = await this.guard(() => this.lock.acquire(key, this.ttlMs))
      if (token === undefined) return 'held-elsewhere'
      this.#held.set(key, token)
      // A render that never calls set (it failed, or its page is not cached) must not keep the entry in the map.
      setTimeout(() => {
        if (this.#held.get(key) === token) this.#held.delete(key)
      }, this.ttlMs).unref?.()
      return 'acquired'
    } catch {
      this.#skipUntil = Date.now() + COOLDOWN_MS
      return 'no-lock'
    }
  }

  /** A lock call bounded by `lockTimeout`; a failure or timeout is reported and rethrown. */
  private async guard<T>(call: () => T | Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([
        Promise.resolve().then(call),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`@tiered/next: the lock did not answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          )
        }),
      ])
    } catch (error) {
      this.onError(error)
      throw error
    } finally {
      clearTimeout(timer)
    }
  }
}
