// Timeouts for a tier's calls without a timer per call: every call of a tier has the same timeout, so deadlines
// arrive in the order calls start, and one timer walks the queue.

interface Pending {
  at: number
  onTimeout: () => void
  done: boolean
}

/** A started call's deadline; `finish()` once it settles so that it never times out. */
export interface Deadline {
  finish(): void
}

const COMPACT_AT = 1_024
/** How often the queue is swept of finished calls while calls are running, so that it stays short. */
const SWEEP_MS = 50

export class Deadlines {
  readonly #ms: number
  #queue: Pending[] = []
  #head = 0
  #timer: NodeJS.Timeout | undefined = undefined

  constructor(ms: number) {
    this.#ms = ms
  }

  /** Calls `onTimeout` once `ms` have passed, unless the returned deadline is finished first. */
  start(onTimeout: () => void): Deadline {
    const pending: Pending & Deadline = {
      at: performance.now() + this.#ms,
      onTimeout,
      done: false,
      finish() {
        this.done = true
      },
    }
    this.#queue.push(pending)
    if (this.#timer === undefined) this.#arm(this.#ms)
    return pending
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#expire, Math.max(1, Math.ceil(Math.min(ms, SWEEP_MS))))
    this.#timer.unref()
  }

  readonly #expire = (): void => {
    this.#timer = undefined
    const now = performance.now()
    const queue = this.#queue
    while (this.#head < queue.length) {
      const pending = queue[this.#head] as Pending
      if (!pending.done) {
        if (pending.at > now) break
        pending.done = true
        pending.onTimeout()
      }
      this.#head++
    }
    if (this.#head === queue.length) {
      this.#queue = []
      this.#head = 0
      return
    }
    if (this.#head >= COMPACT_AT) {
      this.#queue = queue.slice(this.#head)
      this.#head = 0
    }
    this.#arm((this.#queue[this.#head] as Pending).at - now)
  }
}
