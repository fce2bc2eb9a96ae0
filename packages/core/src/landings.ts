// Processes that wait for another process's value (the lease is held elsewhere) sleep here until the bus names
// their key, or a poll interval passes.

export class Landings {
  readonly #waiting = new Map<string, (() => void)[]>()

  /** True when the key was named before `ms` passed, false when the time ran out. */
  wait(key: string, ms: number): Promise<boolean> {
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
    const waiting = this.#waiting.get(key)
    if (waiting === undefined) return
    this.#waiting.delete(key)
    for (const wake of waiting) wake()
  }

  wakeAll(): void {
    for (const key of [...this.#waiting.keys()]) this.wake(key)
  }
}
