// Wraps any CacheBus so a test can inject faults per operation (fail, hang, slow, as flaky-store does for stores).
// Counts every call it sees; offers `ping` only when the inner bus does.

import type { CacheBus } from '@tiered/core'
import { createFaults, type FaultControls } from './faults.js'
import { InjectedFleetError } from './flaky-lock.js'

export type BusOp = 'publish' | 'subscribe' | 'ping'

export interface FlakyBus extends CacheBus, FaultControls<BusOp> {
  readonly inner: CacheBus
}

/** Every call returns a promise (a bus is remote), and an injected failure is a rejection. */
export function createFlakyBus(inner: CacheBus): FlakyBus {
  const faults = createFaults<BusOp>(
    ['publish', 'subscribe', 'ping'],
    (op) => new InjectedFleetError('bus', op),
  )
  const bus: FlakyBus = {
    inner,
    calls: faults.calls,
    failNext: faults.failNext,
    failAlways: faults.failAlways,
    delay: faults.delay,
    hang: faults.hang,
    heal: faults.heal,
    publish: (message) => faults.run('publish', () => inner.publish(message), true),
    subscribe: (handlers) => faults.run('subscribe', () => inner.subscribe(handlers), true),
    close: () => inner.close?.(),
  }
  const ping = inner.ping
  if (ping !== undefined) bus.ping = () => faults.run('ping', () => ping.call(inner), true)
  return bus
}
