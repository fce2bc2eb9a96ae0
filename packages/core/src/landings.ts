// Processes that wait for another process's value (the lease is held elsewhere) sleep here until the bus names
// their key, or a poll interval passes. A notice that came while the waiter was still asking for the lease counts:
// the holder can load, write and announce before the lock's answer "held" is read, most of all in a herd.

/** Recent notices remembered per key; the oldest go first. */
const MAX_REMEMBERED = 10_000

export class Landings {
  readonly #waiting = new Map<string, (() => void)[]>()
  /** When (performance.now()) each key was last named. */
  readonly #named = new Map<string, number>()

  /**
   * True when the key was named since `since` (performance.now(), when the waiter asked for the lease) or is named
   * before `ms` pass; false when the time ran out.
   */
  wait(key: string, ms: number, since = Number.POSITIVE_INFINITY): Promise<boolean> {
    const named = this.#named.get(key)
    if (named !== undefined && named >= since) return Promise.resolve(true)
    return new Promise<boolean>((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        resolve(true)
      }
      const timer = setTimeout(() => {
        const waiting = this.#waiting.get(key)
        const at = waiting?.indexOf(wake) ?? -1
        if (at >= 0) waiting?.splice(at, 1)
        if (waiting?.length === 0) this.#waiting.delete(key)
        resolve(false)
      }, ms)
      const list = this.#waiting.get(key)
      if (list === undefined) this.#waiting.set(key, [wake])
      else list.push(wake)
    })
  }

  /** Wakes every waiter of `key`. */
  wake(key: string): void {
    this.#named.delete(key)
    this.#named.set(key, performance.now())
    if (this.#named.size > MAX_REMEMBERED) this.#named.delete(this.#named.keys().next().value as string)
    const waiting = this.#waiting.get(key)
    if (waiting === undefined) return
    this.#waiting.delete(key)
    for (const wake of waiting) wake()
  }

  wakeAll(): void {
    for (const key of [...this.#waiting.keys()]) this.wake(key)
  }
}
