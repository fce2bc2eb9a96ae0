// Deduplicates concurrent work by key: while one call for a key runs, every other caller shares its result.

/** What the running function can see of its own flight. */
export interface Flight {
  /** True once `forget(key)` was called for this flight: its result should no longer be written anywhere. */
  readonly forgotten: boolean
}

interface Running<T> {
  forgotten: boolean
  promise: Promise<T>
}

export class Singleflight<T> {
  readonly #running = new Map<string, Running<T>>()

  /** Runs `fn` unless a call for `key` is already running, in which case its promise is shared. */
  do(key: string, fn: (flight: Flight) => T | PromiseLike<T>): Promise<T> {
    const existing = this.#running.get(key)
    if (existing !== undefined) return existing.promise
    const flight: Running<T> = { forgotten: false, promise: undefined as unknown as Promise<T> }
    this.#running.set(key, flight)
    flight.promise = this.#run(key, flight, fn)
    return flight.promise
  }

  /** The running call for `key`, if any. */
  flight(key: string): Flight | undefined {
    return this.#running.get(key)
  }

  /** True while a call for `key` is running. */
  has(key: string): boolean {
    return this.#running.has(key)
  }

  /** Detaches the running call for `key`: it finishes, but the next `do` starts afresh. */
  forget(key: string): void {
    const flight = this.#running.get(key)
    if (flight === undefined) return
    flight.forgotten = true
    this.#running.delete(key)
  }

  /** Detaches every running call. */
  forgetAll(): void {
    for (const flight of this.#running.values()) flight.forgotten = true
    this.#running.clear()
  }

  /** How many keys have a call running. */
  get size(): number {
    return this.#running.size
  }

  async #run(key: string, flight: Running<T>, fn: (flight: Flight) => T | PromiseLike<T>): Promise<T> {
    try {
      return await fn(flight)
    } finally {
      if (this.#running.get(key) === flight) this.#running.delete(key)
    }
  }
}
