// The health of each part a cache depends on (a tier's reads, its writes, the fleet's lock, its bus), one circuit
// per part: after `failureThreshold` failures in a row the part is skipped, and while it is the engine probes it
// in the background every `cooldown`, never through a caller's request, until a probe answers and closes it.

import type { CircuitStats } from './circuit-breaker.js'

export interface CircuitSettings {
  threshold: number
  probeMs: number
}

/** What a circuit tells its owner, and the one clock it reads (the cache's `now`). */
export interface CircuitWatch {
  now(): number
  opened(failures: number, retryAt: number): void
  closed(): void
}

/** One probe of the part: true when it answered. Never rejects (a rejection counts as false). */
export type Probe = () => Promise<boolean>

export class Circuit {
  readonly #settings: CircuitSettings
  readonly #probe: Probe
  readonly #watch: CircuitWatch
  #open = false
  #failures = 0
  /** Epoch ms (the cache's clock) of the next background probe while open, else 0. */
  #retryAt = 0
  #timer: NodeJS.Timeout | undefined = undefined
  #stopped = false

  constructor(settings: CircuitSettings, probe: Probe, watch: CircuitWatch) {
    this.#settings = settings
    this.#probe = probe
    this.#watch = watch
  }

  /** True while the part is skipped. */
  get open(): boolean {
    return this.#open
  }

  get retryAt(): number {
    return this.#retryAt
  }

  /** True while the run of failures is not over (open or not). */
  get failing(): boolean {
    return this.#failures !== 0 || this.#open
  }

  /** The part answered: the run of failures ends, and an open circuit closes. */
  success(): void {
    this.#failures = 0
    if (!this.#open) return
    this.#open = false
    this.#retryAt = 0
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (!this.#stopped) this.#watch.closed()
  }

  /** The part failed or timed out; the threshold-th failure in a row opens the circuit and starts the probes. */
  failure(): void {
    this.#failures++
    if (this.#open || this.#failures < this.#settings.threshold || this.#stopped) return
    this.#open = true
    this.#retryAt = this.#watch.now() + this.#settings.probeMs
    this.#watch.opened(this.#failures, this.#retryAt)
    this.#probeLater()
  }

  stats(): CircuitStats {
    return { circuit: this.#open ? 'open' : 'closed', failures: this.#failures }
  }

  /** While open, probes now rather than at the next cooldown (the part showed a sign of life elsewhere). */
  probeNow(): void {
    if (!this.#open || this.#stopped || this.#timer === undefined) return
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#probeOnce()
  }

  /** No more probes (the cache closes). */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #probeLater(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#probeOnce()
    }, this.#settings.probeMs)
    this.#timer.unref()
  }

  #probeOnce(): void {
    this.#probe()
      .catch(() => false)
      .then((healthy) => {
        if (this.#stopped || !this.#open) return
        if (healthy) {
          this.success()
          return
        }
        this.#retryAt = this.#watch.now() + this.#settings.probeMs
        if (this.#timer === undefined) this.#probeLater()
      })
  }
}
