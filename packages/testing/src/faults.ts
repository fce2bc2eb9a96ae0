// The faults a test injects into a store, a bus or a lock, per operation: fail the next call or every call, slow
// calls down, or hang them until heal(). One place for the rules that flaky-store, flaky-bus and flaky-lock share.

import { setTimeout as sleep } from 'node:timers/promises'
import type { MaybePromise } from '@tiered/core'

/** What a test calls on a flaky store, bus or lock. */
export interface FaultControls<Op extends string> {
  /** How many times each operation was called, failed calls included. */
  readonly calls: Readonly<Record<Op, number>>
  /** The next call to `op` fails with `error`; calls queue up, so two calls fail the next two. */
  failNext(op: Op, error?: unknown): void
  /** Every call to `op` (or every operation) fails with `error` until `heal()`. */
  failAlways(op: Op | 'all', error?: unknown): void
  /** Every call to `op` (or every operation) waits `ms` before it answers (or fails) until `heal()`. */
  delay(op: Op | 'all', ms: number): void
  /** Calls to `op` (or every operation) never settle until `heal()`, which lets them through. */
  hang(op: Op | 'all'): void
  /** Removes every fault and releases hung calls. */
  heal(): void
}

export interface Faults<Op extends string> {
  /** What a test calls: spread into the flaky store, bus or lock. */
  controls: FaultControls<Op>
  /**
   * Runs one call of `op` under the faults in force. `async`: always a promise, a failure a rejection; else a
   * failure is thrown synchronously and only delayed or hung calls return promises.
   */
  run<T>(op: Op, invoke: () => MaybePromise<T>, async: boolean): MaybePromise<T>
  /** `run` for a remote part (a bus, a lock): always a promise. */
  async<T>(op: Op, invoke: () => MaybePromise<T>): Promise<T>
}

/** Marks a fault injected without an error of the test's own: `injected(op)` makes one. */
const DEFAULT_ERROR = Symbol('default error')

export function createFaults<Op extends string>(ops: readonly Op[], injected: (op: Op) => Error): Faults<Op> {
  const calls: Record<Op, number> = Object.fromEntries(ops.map((op) => [op, 0])) as Record<Op, number>
  const nextFailures = new Map<Op, unknown[]>()
  const alwaysFailures = new Map<Op | 'all', unknown>()
  const delays = new Map<Op | 'all', number>()
  const hangs = new Set<Op | 'all'>()
  let releaseHung: (() => void)[] = []

  const injectedFailure = (op: Op): { error: unknown } | undefined => {
    const queued = nextFailures.get(op)
    let error: unknown = DEFAULT_ERROR
    if (queued?.length) error = queued.shift()
    else if (alwaysFailures.has(op)) error = alwaysFailures.get(op)
    else if (alwaysFailures.has('all')) error = alwaysFailures.get('all')
    else return undefined
    return { error: error === DEFAULT_ERROR ? injected(op) : error }
  }

  const controls: FaultControls<Op> = {
    calls,
    failNext(op, error) {
      const queued = nextFailures.get(op) ?? []
      queued.push(error ?? DEFAULT_ERROR)
      nextFailures.set(op, queued)
    },
    failAlways(op, error) {
      alwaysFailures.set(op, error ?? DEFAULT_ERROR)
    },
    delay(op, ms) {
      if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`delay must be a finite ms >= 0, got ${ms}`)
      delays.set(op, ms)
    },
    hang(op) {
      hangs.add(op)
    },
    heal() {
      nextFailures.clear()
      alwaysFailures.clear()
      delays.clear()
      hangs.clear()
      const released = releaseHung
      releaseHung = []
      for (const release of released) release()
    },
  }
  const run: Faults<Op>['run'] = (op, invoke, async) => {
    calls[op]++
    const failure = injectedFailure(op)
    const hung = hangs.has(op) || hangs.has('all')
    const delayMs = delays.get(op) ?? delays.get('all')
    if (hung) {
      return new Promise<void>((release) => releaseHung.push(release)).then(invoke)
    }
    if (delayMs !== undefined) {
      return sleep(delayMs).then(() => {
        if (failure) throw failure.error
        return invoke()
      })
    }
    if (!async) {
      if (failure) throw failure.error
      return invoke()
    }
    if (failure) return Promise.reject(failure.error)
    try {
      return Promise.resolve(invoke())
    } catch (error) {
      return Promise.reject(error)
    }
  }
  return { controls, run, async: (op, invoke) => Promise.resolve(run(op, invoke, true)) }
}
