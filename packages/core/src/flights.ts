// The loads running in this process, one per key: a call that finds its key here joins the load instead of
// starting another. An invalidation supersedes a key's load: it finishes, but its value is not written and no later
// call joins it.

import type { CacheEntry } from './types.js'

/** What a load and the calls that join it know of it. */
export interface LoadFlight {
  /** Set once an invalidation superseded the load: its value must not be written. */
  readonly forgotten: boolean
  /** A background refresh of a stale entry (it may end without a value: see HELD_ELSEWHERE). */
  readonly refresh: boolean
  /** A forceFresh load; `started` once its queryFn was called (a forceFresh call joins only one not started). */
  readonly fresh: boolean
  /** True once the loader has its value: what remains is writing it, so a joined caller's timeout stops counting. */
  loaded: boolean
  started: boolean
  /** The tags the loaded entry will carry, so that a tag invalidation supersedes the load. */
  tags: readonly string[] | undefined
  /** The entry the load refreshes (stale) or replaces (within grace): queryFn gets it as `ctx.stale`. */
  readonly stale: CacheEntry | undefined
  readonly promise: Promise<unknown>
}

interface Running extends LoadFlight {
  forgotten: boolean
  promise: Promise<unknown>
}

/** A refresh whose lease another process holds ends with this: the holder refreshes for the fleet. */
export const HELD_ELSEWHERE: unique symbol = Symbol('held elsewhere')

export interface FlightKind {
  refresh: boolean
  fresh: boolean
  tags: readonly string[] | undefined
}

export class Flights {
  readonly #running = new Map<string, Running>()
  /** How many running loads carry tags: a tag invalidation with none running costs nothing. */
  #tagged = 0

  get(key: string): LoadFlight | undefined {
    return this.#running.get(key)
  }

  has(key: string): boolean {
    return this.#running.has(key)
  }

  /** Registers a load of `key` and runs it; the key is free again once it settles (or is superseded). */
  start(
    key: string,
    kind: FlightKind,
    run: (flight: LoadFlight) => Promise<unknown>,
    stale?: CacheEntry,
  ): LoadFlight {
    const flight: Running = {
      forgotten: false,
      refresh: kind.refresh,
      fresh: kind.fresh,
      loaded: false,
      started: false,
      tags: kind.tags,
      stale,
      promise: undefined as unknown as Promise<unknown>,
    }
    this.#running.set(key, flight)
    if (kind.tags !== undefined) this.#tagged++
    const done = () => {
      if (this.#running.get(key) === flight) this.#running.delete(key)
      if (flight.tags !== undefined) this.#tagged--
    }
    flight.promise = run(flight)
    flight.promise.then(done, done)
    return flight
  }

  /** Detaches the load of `key`: it finishes, but its value is not written and the next call starts afresh. */
  supersede(key: string): void {
    const flight = this.#running.get(key)
    if (flight === undefined) return
    flight.forgotten = true
    this.#running.delete(key)
  }

  /** Supersedes every load whose entry will carry one of `tags`. */
  supersedeTagged(tags: readonly string[]): void {
    if (this.#tagged === 0) return
    for (const [key, flight] of [...this.#running]) {
      if (flight.tags?.some((tag) => tags.includes(tag)) === true) this.supersede(key)
    }
  }

  supersedeAll(): void {
    for (const flight of this.#running.values()) flight.forgotten = true
    this.#running.clear()
  }
}
