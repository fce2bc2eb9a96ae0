// What a cache counts and tells: hits, misses, loads and failures, as stats(), events and onError. Counting is a
// field increment; an event object is built only when somebody listens.

import { type AnswerState, noteAnswer } from './diagnostics.js'
import { CacheStoreError, hasErrorCode } from './errors.js'
import { CacheEmitter, type CacheEvents } from './events.js'

export type ErrorOperation = CacheEvents['error']['operation']

export class Reporting {
  readonly emitter: CacheEmitter
  hits = 0
  staleHits = 0
  misses = 0
  loads = 0
  loadErrors = 0
  storeErrors = 0
  backoffHits = 0
  readonly #onError: ((error: unknown, event: CacheEvents['error']) => void) | undefined

  constructor(onError: ((error: unknown, event: CacheEvents['error']) => void) | undefined) {
    this.#onError = onError
    this.emitter = new CacheEmitter((error) => this.report(error, 'listener'))
  }

  /** A value served: fresh, stale, or (`grace`) an expired entry in place of a failed or slow load. */
  hit(key: string, tier: string, state: Exclude<AnswerState, 'miss'>): void {
    if (state === 'fresh') this.hits++
    else this.staleHits++
    noteAnswer(state, tier)
    if (this.emitter.listeners.hit !== undefined)
      this.emitter.emit('hit', { key, tier, state: state === 'fresh' ? 'fresh' : 'stale' })
  }

  miss(key: string): void {
    this.misses++
    noteAnswer('miss', undefined)
    if (this.emitter.listeners.miss !== undefined) this.emitter.emit('miss', { key })
  }

  /** Reports a failure inside the cache: counted, emitted as `error`, and handed to onError. */
  report(error: unknown, operation: ErrorOperation, tier?: string, key?: string): void {
    if (error instanceof CacheStoreError || hasErrorCode(error, 'TIERED_STORE')) this.storeErrors++
    const event: CacheEvents['error'] = { error, operation }
    if (tier !== undefined) event.tier = tier
    if (key !== undefined) event.key = key
    if (operation !== 'listener') this.emitter.emit('error', event)
    if (this.#onError === undefined) return
    try {
      this.#onError(error, event)
    } catch {
      // onError is the last place a failure can go; one that throws is dropped rather than crash the caller.
    }
  }
}
