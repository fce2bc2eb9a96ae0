// The events a TieredCache reports, and a small emitter whose cost is one field read when nobody listens.

import type { StoreOperation } from './errors.js'

export interface CacheEvents {
  /** A value was served from `tier`; `state` says whether it was fresh or stale. */
  hit: { key: string; tier: string; state: 'fresh' | 'stale' }
  /** No tier held a live value for `key`. */
  miss: { key: string }
  /** A queryFn call ended; `error` is set when it failed. */
  load: { key: string; durationMs: number; background: boolean; error?: unknown }
  /** Something failed inside the cache: a tier operation (`tier` set), the bus or lock, or a background or fallen-back load. */
  error: {
    error: unknown
    operation: StoreOperation | 'load' | 'listener' | 'bus' | 'lock'
    tier?: string
    key?: string
  }
  /**
   * A part failed too often in a row and is skipped: a tier's reads (or writes), or the fleet's lock or bus. The
   * engine probes it in the background from `retryAt` on, every `cooldown`, never through a caller.
   */
  'circuit-open': CircuitPart & { failures: number; retryAt: number }
  /** A background probe of a skipped part succeeded; it is used again. */
  'circuit-close': CircuitPart
}

/** Which part a circuit guards: one kind of a tier's operations, the lock, or the bus. */
export type CircuitPart =
  | { part: 'tier'; tier: string; operations: 'reads' | 'writes' }
  | { part: 'lock' | 'bus' }

export type CacheEventName = keyof CacheEvents
export type CacheListener<E extends CacheEventName> = (event: CacheEvents[E]) => void

type ListenerTable = { [E in CacheEventName]?: CacheListener<E>[] }

export class CacheEmitter {
  /** Read directly on hot paths: undefined means nobody listens and no event object is built. */
  readonly listeners: ListenerTable = {}
  readonly #onListenerError: (error: unknown) => void

  constructor(onListenerError: (error: unknown) => void) {
    this.#onListenerError = onListenerError
  }

  on<E extends CacheEventName>(event: E, listener: CacheListener<E>): void {
    if (typeof listener !== 'function') throw new TypeError(`listener for "${event}" must be a function`)
    const current = this.listeners[event] as CacheListener<E>[] | undefined
    // Copy on write, so an emit in progress keeps the list it started with.
    ;(this.listeners as Record<string, unknown>)[event] =
      current === undefined ? [listener] : [...current, listener]
  }

  off<E extends CacheEventName>(event: E, listener: CacheListener<E>): void {
    const current = this.listeners[event] as CacheListener<E>[] | undefined
    if (current === undefined) return
    const rest = current.filter((l) => l !== listener)
    ;(this.listeners as Record<string, unknown>)[event] = rest.length === 0 ? undefined : rest
  }

  emit<E extends CacheEventName>(event: E, payload: CacheEvents[E]): void {
    const list = this.listeners[event] as CacheListener<E>[] | undefined
    if (list === undefined) return
    for (const listener of list) {
      try {
        listener(payload)
      } catch (error) {
        // A listener's bug must not break the cache call that emitted the event.
        this.#onListenerError(error)
      }
    }
  }
}
