// Wraps any CacheLock so a test can inject faults per operation (fail, hang, slow, as flaky-store does for stores)
// or make acquire answer "held elsewhere" without asking the lock. Counts every call it sees.

import type { CacheLock } from '@tiered/core'
import { createFaults, type FaultControls } from './faults.js'

export type LockOp = 'acquire' | 'release'

export interface FlakyLock extends CacheLock, FaultControls<LockOp> {
  readonly inner: CacheLock
  acquire(key: string, ttlMs: number): Promise<string | undefined>
  release(key: string, token: string): Promise<void>
  /** The next `count` acquires answer undefined (held elsewhere), after any delay in force. */
  holdNext(count?: number): void
  /** Every acquire answers undefined until `heal()`. */
  holdAlways(): void
}

/** The default error of an injected lock or bus failure. */
export class InjectedFleetError extends Error {
  override readonly name = 'InjectedFleetError'
  constructor(
    readonly part: 'lock' | 'bus',
    readonly op: string,
  ) {
    super(
      `Injected ${op} failure in the ${part} (createFlaky${part === 'lock' ? 'Lock' : 'Bus'}); call heal() to stop it`,
    )
  }
}

/** Every call returns a promise (a lock is remote), and an injected failure is a rejection. */
export function createFlakyLock(inner: CacheLock): FlakyLock {
  const faults = createFaults<LockOp>(['acquire', 'release'], (op) => new InjectedFleetError('lock', op))
  let holds = 0
  let holdAlways = false
  return {
    inner,
    ...faults.controls,
    heal() {
      holds = 0
      holdAlways = false
      faults.controls.heal()
    },
    holdNext(count = 1) {
      holds += count
    },
    holdAlways() {
      holdAlways = true
    },
    acquire: (key, ttlMs) =>
      faults.async('acquire', () => {
        if (holdAlways) return undefined
        if (holds > 0) {
          holds--
          return undefined
        }
        return inner.acquire(key, ttlMs)
      }),
    release: (key, token) => faults.async('release', () => inner.release(key, token)),
    close: () => inner.close?.(),
  }
}
