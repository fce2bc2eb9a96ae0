// The per-key rules of swr, written once and driven by swr (one key) and swrMany (many): scan the tiers, serve a
// live entry (a stale one starts one background refresh), and answer a miss by joining the key's running load or
// by this call's own load; a failed or slow load falls back to the newest entry within grace.

import type { Call } from './call.js'
import type { EngineParts } from './engine-parts.js'
import { hasErrorCode } from './errors.js'
import { HELD_ELSEWHERE, type LoadFlight } from './flights.js'
import { SOFT_TIMEOUT, waitFor } from './load-runner.js'
import type { Loads, StaleKey } from './loads.js'
import { type Found, NOTHING_FOUND } from './read-path.js'
import type { Tier } from './tier.js'
import type { CacheEntry, MaybePromise } from './types.js'

const MISSING: unique symbol = Symbol('missing')

export class KeyFlow {
  readonly #parts: EngineParts
  readonly #loads: Loads
  /** Set by #serve: the tier of a stale entry that needs a refresh, or -1. */
  #staleIndex = -1

  constructor(parts: EngineParts, loads: Loads) {
    this.#parts = parts
    this.#loads = loads
  }

  /** swr past the hot path: the one key's scan, then the per-key rules. */
  one(call: Call, key: string): Promise<unknown> {
    if (call.forceFresh) return this.#missOne(call, key, NOTHING_FOUND)
    const found = this.#parts.reader.find(key, call.schema)
    if (found instanceof Promise) return found.then((near) => this.#answer(call, key, near))
    const answer = this.#answer(call, key, found)
    return answer instanceof Promise ? answer : Promise.resolve(answer)
  }

  /** swrMany: every key's scan in one tick (one getMany per tier), then the per-key rules for each. */
  async many(call: Call, keys: readonly string[], unique: readonly string[]): Promise<unknown[]> {
    const { reader, reporting } = this.#parts
    let waiting = false
    const scans = unique.map((key) => {
      const scan = call.forceFresh ? NOTHING_FOUND : reader.findInBatch(key, call.schema)
      if (scan instanceof Promise) waiting = true
      return scan
    })
    const found = waiting ? await Promise.all(scans) : (scans as Found[])
    const values = new Map<string, unknown>()
    const stale: StaleKey[] = []
    const missing: string[] = []
    const missingFound: Found[] = []
    unique.forEach((key, i) => {
      const near = found[i] as Found
      const value = this.#serve(key, near)
      if (value !== MISSING) {
        values.set(key, value)
        if (this.#staleIndex >= 0)
          stale.push({ key, index: this.#staleIndex, entry: near.entry as CacheEntry })
        return
      }
      if (!call.forceFresh) reporting.miss(key)
      missing.push(key)
      missingFound.push(near)
    })
    if (stale.length > 0) this.#loads.refresh(call, stale)
    if (missing.length > 0) {
      const answers = await Promise.allSettled(this.#misses(call, missing, missingFound))
      for (let i = 0; i < answers.length; i++) {
        const answer = answers[i] as PromiseSettledResult<unknown>
        if (answer.status === 'rejected') throw answer.reason
        values.set(missing[i] as string, answer.value)
      }
    }
    return keys.map((key) => values.get(key))
  }

  #answer(call: Call, key: string, found: Found): MaybePromise<unknown> {
    const value = this.#serve(key, found)
    if (value !== MISSING) {
      if (this.#staleIndex >= 0)
        this.#loads.refresh(call, [{ key, index: this.#staleIndex, entry: found.entry as CacheEntry }])
      return value
    }
    this.#parts.reporting.miss(key)
    return this.#missOne(call, key, found)
  }

  /**
   * A live entry's value, counted as a hit, or MISSING. `#staleIndex` tells the caller whether the entry is stale
   * and needs one background refresh (its tier), or -1; an out-field, so that a hit allocates nothing.
   */
  #serve(key: string, found: Found): unknown {
    this.#staleIndex = -1
    const entry = found.entry
    if (entry === undefined) return MISSING
    if (this.#parts.now() < entry.freshUntil) {
      this.#hit(key, found.index, 'fresh')
    } else {
      this.#hit(key, found.index, 'stale')
      if (!this.#parts.flights.has(key)) this.#staleIndex = found.index
    }
    return entry.value
  }

  /** swr's miss: the key joins its running load, serves its grace entry while it backs off, or loads. */
  #missOne(call: Call, key: string, found: Found): Promise<unknown> {
    const joined = this.#join(call, key, found)
    if (joined !== undefined) return joined
    const flight = this.#loads.load(call, [key], [found.grace])[0] as LoadFlight
    return this.#await(call, key, found, flight, undefined)
  }

  /**
   * Keys with no live entry: each joins the load of its key already running, or serves its grace entry while the
   * key backs off after a failed load; the rest go to this call's own load. A forceFresh call joins only a
   * forceFresh load that has not called queryFn yet, so its value is loaded after the call began.
   */
  #misses(call: Call, keys: readonly string[], found: readonly Found[]): Promise<unknown>[] {
    const answers: Promise<unknown>[] = new Array(keys.length)
    const own: number[] = []
    for (let i = 0; i < keys.length; i++) {
      const joined = this.#join(call, keys[i] as string, found[i] as Found)
      if (joined === undefined) own.push(i)
      else answers[i] = joined
    }
    if (own.length > 0) {
      const started = this.#loads.load(
        call,
        own.map((i) => keys[i] as string),
        own.map((i) => (found[i] as Found).grace),
      )
      own.forEach((i, j) => {
        answers[i] = this.#await(
          call,
          keys[i] as string,
          found[i] as Found,
          started[j] as LoadFlight,
          undefined,
        )
      })
    }
    return answers
  }

  /**
   * The answer of a key that joins the load already running for it, or that serves its grace entry while it backs
   * off; undefined when the key needs a load of its own.
   */
  #join(call: Call, key: string, found: Found): Promise<unknown> | undefined {
    const { flights, backoff } = this.#parts
    if (!call.forceFresh && found.grace !== undefined && backoff.active(key, this.#parts.now())) {
      this.#parts.reporting.backoffHits++
      return Promise.resolve(this.#graceValue(key, found))
    }
    const running = flights.get(key)
    if (running === undefined) return undefined
    if (!call.forceFresh || (running.fresh && !running.started))
      return this.#await(call, key, found, running, call.timeoutMs)
    // An older load must not answer a forceFresh call, nor overwrite what the forceFresh load writes.
    flights.supersede(key)
    return undefined
  }

  /**
   * Waits for `flight`'s value. With an entry within grace at hand, a failed load, or one slower than softTimeout,
   * serves that entry instead; a caller who joined another's load gives up at its own timeout (the load this call
   * started carries it).
   */
  #await(
    call: Call,
    key: string,
    found: Found,
    flight: LoadFlight,
    hardMs: number | undefined,
  ): Promise<unknown> {
    // Most waits have nothing to add: no fallback, no timer of their own, and a load (not a refresh) always ends
    // with a value or the loader's error.
    if (found.grace === undefined && !flight.refresh && hardMs === undefined) return flight.promise
    return this.#awaitWithRules(call, key, found, flight, hardMs)
  }

  async #awaitWithRules(
    call: Call,
    key: string,
    found: Found,
    flight: LoadFlight,
    hardMs: number | undefined,
  ): Promise<unknown> {
    const grace = found.grace
    const softMs = grace === undefined ? undefined : call.softMs
    let current = flight
    try {
      for (;;) {
        const outcome =
          softMs === undefined && hardMs === undefined
            ? await current.promise
            : await waitFor(current.promise, key, softMs, hardMs, current)
        if (outcome === SOFT_TIMEOUT) {
          // The load goes on and still writes its result; if it fails, nobody is waiting, so report it.
          current.promise.catch((error: unknown) =>
            this.#parts.reporting.report(error, 'load', undefined, key),
          )
          break
        }
        if (outcome !== HELD_ELSEWHERE) return outcome
        // A refresh that found the lease held elsewhere ended without a value: this caller needs one, so it waits
        // for the holder (and loads if the lease ends with no value).
        const next = this.#parts.flights.get(key)
        // Joining another's wait keeps this call's timeout; a wait this call starts carries it.
        const joined = next !== undefined && !next.refresh
        hardMs = joined ? call.timeoutMs : undefined
        current = joined ? (next as LoadFlight) : this.#loads.waitForHolder(call, key, current.stale)
      }
    } catch (error) {
      if (
        grace === undefined ||
        this.#parts.now() >= grace.graceUntil ||
        hasErrorCode(error, 'TIERED_CLOSED')
      )
        throw error
      this.#parts.reporting.report(error, 'load', undefined, key)
      if (call.backoffMs > 0) this.#parts.backoff.failed(key, this.#parts.now() + call.backoffMs)
    }
    return this.#graceValue(key, found)
  }

  /** The entry kept past its ttl, served in place of a failed or slow load (or while the key backs off). */
  #graceValue(key: string, found: Found): unknown {
    this.#hit(key, found.graceIndex, 'grace')
    return (found.grace as CacheEntry).value
  }

  #hit(key: string, index: number, state: 'fresh' | 'stale' | 'grace'): void {
    this.#parts.reporting.hit(key, (this.#parts.tiers[index] as Tier).name, state)
  }
}
