// After a load fails and its call is answered from grace, the key serves that grace entry without loading again
// for `failureBackoff`, so that sequential callers during an outage of the source do not each call it. Per process.

/** Keys remembered at most; the oldest is forgotten first (it then loads at its next call, as without back-off). */
const MAX_KEYS = 10_000

export class FailureBackoff {
  /** Per key, the epoch ms (the cache's clock) until which it serves its grace entry without loading. */
  readonly #until = new Map<string, number>()

  /** True while `key` backs off. */
  active(key: string, now: number): boolean {
    if (this.#until.size === 0) return false
    const until = this.#until.get(key)
    if (until === undefined) return false
    if (now < until) return true
    this.#until.delete(key)
    return false
  }

  failed(key: string, until: number): void {
    if (this.#until.size >= MAX_KEYS && !this.#until.has(key)) {
      const oldest = this.#until.keys().next().value as string
      this.#until.delete(oldest)
    }
    this.#until.set(key, until)
  }

  /** A value loaded or written for `key` ends its back-off. */
  clear(key: string): void {
    if (this.#until.size !== 0) this.#until.delete(key)
  }

  clearAll(): void {
    this.#until.clear()
  }
}
