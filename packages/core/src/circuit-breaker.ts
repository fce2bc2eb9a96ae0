// The circuit breaker's public options; the circuits themselves, one per tier operation kind, lock and bus, live in
// health.ts.

export interface CircuitBreakerOptions {
  /** Failures in a row that open the circuit. Default 5. */
  failureThreshold?: number
  /** How often a skipped tier, lock or bus is probed in the background. Default '100ms'. */
  cooldown?: number | string
}

export type CircuitState = 'closed' | 'open'

/** One circuit's state, as `stats()` gives it for each tier's reads and writes, the lock and the bus. */
export interface CircuitStats {
  circuit: CircuitState
  /** Failures in a row. */
  failures: number
}
