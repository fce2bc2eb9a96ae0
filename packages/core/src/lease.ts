// The cache's side of the fleet's lock: one lease per key so that one process loads a cold key. A lock that fails
// or is slower than storeTimeout is reported and the process loads on its own: the lock saves work, it never makes
// a call fail or hang. After a run of failures its circuit opens: loads skip the lease at once, and the lock is
// probed in the background until it answers again.

import { bounded, FAILED } from './bounded.js'
import type { CircuitStats } from './circuit-breaker.js'
import { CacheFleetError } from './errors.js'
import { Circuit, type CircuitSettings, type CircuitWatch } from './health.js'
import { PROBE_KEY } from './tier.js'
import type { CacheLock, MaybePromise } from './types.js'

/** The lock could not answer (or its circuit is open): load without a lease. */
export const NO_LOCK: unique symbol = Symbol('no lock')

/** What the lease tells the cache it belongs to: failures, and its circuit opening and closing. */
export interface LeaseHost extends CircuitWatch {
  report(error: CacheFleetError): void
}

/** How long the probe's own lease lasts, should its release not arrive. */
const PROBE_TTL_MS = 1_000

export class Lease {
  readonly #lock: CacheLock
  readonly #host: LeaseHost
  readonly #timeoutMs: number
  readonly #circuit: Circuit | undefined

  constructor(lock: CacheLock, host: LeaseHost, timeoutMs: number, circuit?: CircuitSettings) {
    this.#lock = lock
    this.#host = host
    this.#timeoutMs = timeoutMs
    this.#circuit = circuit === undefined ? undefined : new Circuit(circuit, () => this.#probe(), host)
  }

  /**
   * A token, undefined while another process holds the lease, or NO_LOCK when the lock failed (reported) or its
   * circuit is open (then the lock is not called at all).
   */
  acquire(key: string, ttlMs: number): Promise<string | undefined | typeof NO_LOCK> {
    if (this.#circuit?.open === true) return Promise.resolve(NO_LOCK)
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
      this.#host.report(
        new CacheFleetError('lock', 'acquire', new TypeError('acquire gave neither a token nor undefined')),
      )
      return NO_LOCK
    })
  }

  /**
   * Ends the lease; a failure is reported (the lease then lapses at its ttl). Never rejects. Sent even while the
   * circuit is open: a lease left held after the lock came back would make the other processes wait for it.
   */
  release(key: string, token: string): Promise<void> {
    return this.#bounded('release', () => this.#lock.release(key, token)).then(() => undefined)
  }

  /** The lock the cache was given (a store that shares its connection may end a lease with a write). */
  get lock(): CacheLock {
    return this.#lock
  }

  stats(): CircuitStats {
    return this.#circuit?.stats() ?? { circuit: 'closed', failures: 0 }
  }

  close(): Promise<void> | undefined {
    this.#circuit?.stop()
    const close = this.#lock.close
    if (close === undefined) return undefined
    return bounded(
      () => close.call(this.#lock),
      this.#timeoutMs,
      (error) => this.#host.report(new CacheFleetError('lock', 'close', error)),
    ).then(() => undefined)
  }

  /** Runs a lock call within storeTimeout; its outcome counts for the circuit. */
  #bounded<T>(operation: string, run: () => MaybePromise<T>): Promise<T | typeof NO_LOCK> {
    return bounded(run, this.#timeoutMs, (error) => {
      this.#host.report(new CacheFleetError('lock', operation, error))
      this.#circuit?.failure()
    }).then((outcome) => {
      if (outcome === FAILED) return NO_LOCK
      this.#circuit?.success()
      return outcome
    })
  }

  /** The background probe of an open circuit: a short lease on PROBE_KEY, handed back. Not reported. */
  #probe(): Promise<boolean> {
    return bounded(
      () => this.#lock.acquire(PROBE_KEY, PROBE_TTL_MS),
      this.#timeoutMs,
      () => {},
    ).then((token) => {
      if (token === FAILED) return false
      if (typeof token === 'string')
        void bounded(
          () => this.#lock.release(PROBE_KEY, token),
          this.#timeoutMs,
          () => {},
        )
      return true
    })
  }
}
