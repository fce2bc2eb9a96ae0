// The cache's side of the fleet's lock: one lease per key so that one process loads a cold key. A lock that fails
// or is slower than storeTimeout is reported and the process loads on its own: the lock saves work, it never makes
// a call fail or hang.

import { bounded, FAILED } from './bounded.js'
import { CacheFleetError } from './errors.js'
import type { CacheLock, MaybePromise } from './types.js'

/** The lock could not answer: load without a lease. */
export const NO_LOCK: unique symbol = Symbol('no lock')

export class Lease {
  readonly #lock: CacheLock
  readonly #report: (error: CacheFleetError) => void
  readonly #timeoutMs: number

  constructor(lock: CacheLock, report: (error: CacheFleetError) => void, timeoutMs: number) {
    this.#lock = lock
    this.#report = report
    this.#timeoutMs = timeoutMs
  }

  /** A token, undefined while another process holds the lease, or NO_LOCK when the lock failed (reported). */
  acquire(key: string, ttlMs: number): Promise<string | undefined | typeof NO_LOCK> {
    let late: MaybePromise<string | undefined> | undefined
    return this.#bounded('acquire', () => {
      late = this.#lock.acquire(key, Math.max(1, Math.ceil(ttlMs)))
      return late
    }).then((token) => {
      if (token === NO_LOCK) {
        // Given up (slower than storeTimeout): a lease the lock grants after all is handed back at once, or it
        // would hold the key for its whole ttl with nobody loading.
        if (late instanceof Promise) {
          late.then(
            (lateToken) => {
              if (typeof lateToken === 'string') void this.release(key, lateToken)
            },
            () => {},
          )
        }
        return token
      }
      if (token === undefined || typeof token === 'string') return token
      this.#report(
        new CacheFleetError('lock', 'acquire', new TypeError('acquire gave neither a token nor undefined')),
      )
      return NO_LOCK
    })
  }

  /** Ends the lease; a failure is reported (the lease then lapses at its ttl). Never rejects. */
  release(key: string, token: string): Promise<void> {
    return this.#bounded('release', () => this.#lock.release(key, token)).then(() => undefined)
  }

  close(): Promise<void> | undefined {
    const close = this.#lock.close
    if (close === undefined) return undefined
    return this.#bounded('close', () => close.call(this.#lock)).then(() => undefined)
  }

  #bounded<T>(operation: string, run: () => MaybePromise<T>): Promise<T | typeof NO_LOCK> {
    return bounded(run, this.#timeoutMs, (error) =>
      this.#report(new CacheFleetError('lock', operation, error)),
    ).then((outcome) => (outcome === FAILED ? NO_LOCK : outcome))
  }
}
