// Per-tier circuit breaker: after a run of failures the tier is skipped for a cool-down, then one call probes it.

export interface CircuitBreakerOptions {
  /** Failures in a row that open the circuit. Default 5. */
  failureThreshold?: number
  /** How long the tier is skipped before one call probes it. Default '1s'. */
  cooldown?: number | string
}

export type CircuitState = 'closed' | 'open' | 'half-open'

export class CircuitBreaker {
  /** 0 while closed; otherwise the instant (cache clock) after which one probe may pass. */
  openUntil = 0
  #failures = 0
  #probing = false
  readonly #threshold: number
  readonly #cooldownMs: number

  constructor(threshold: number, cooldownMs: number) {
    this.#threshold = threshold
    this.#cooldownMs = cooldownMs
  }

  /** Whether an operation may go to the tier now. Past the cool-down exactly one probe passes. */
  allow(now: number): boolean {
    if (this.openUntil === 0) return true
    if (this.#probing || now < this.openUntil) return false
    this.#probing = true
    return true
  }

  /** Records a success; true when it closed an open circuit. */
  success(): boolean {
    this.#failures = 0
    if (this.openUntil === 0) return false
    this.openUntil = 0
    this.#probing = false
    return true
  }

  /** Records a failure; true when it opened (or re-opened) the circuit. */
  failure(now: number): boolean {
    this.#failures++
    if (this.#probing || (this.openUntil === 0 && this.#failures >= this.#threshold)) {
      this.#probing = false
      this.openUntil = now + this.#cooldownMs
      return true
    }
    return false
  }

  get failures(): number {
    return this.#failures
  }

  state(now: number): CircuitState {
    if (this.openUntil === 0) return 'closed'
    return this.#probing || now >= this.openUntil ? 'half-open' : 'open'
  }
}
