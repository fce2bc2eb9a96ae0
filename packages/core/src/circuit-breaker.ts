// Per-tier circuit breaker: after a run of failures the tier is skipped; the engine probes it in the background
// (never through a caller's request) and closes the circuit when a probe succeeds.

export interface CircuitBreakerOptions {
  /** Failures in a row that open the circuit. Default 5. */
  failureThreshold?: number
  /** How often a skipped tier is probed in the background. Default '100ms'. */
  cooldown?: number | string
}

export type CircuitState = 'closed' | 'open'

export class CircuitBreaker {
  /** True while the tier is skipped. */
  open = false
  /** Epoch ms of the next background probe while open, else 0. */
  retryAt = 0
  #failures = 0
  readonly #threshold: number

  constructor(threshold: number) {
    this.#threshold = threshold
  }

  /** Records a success; true when it closed an open circuit. */
  success(): boolean {
    this.#failures = 0
    if (!this.open) return false
    this.open = false
    this.retryAt = 0
    return true
  }

  /** Records a failure; true when it opened the circuit. */
  failure(): boolean {
    this.#failures++
    if (this.open || this.#failures < this.#threshold) return false
    this.open = true
    return true
  }

  get failures(): number {
    return this.#failures
  }

  get state(): CircuitState {
    return this.open ? 'open' : 'closed'
  }
}
