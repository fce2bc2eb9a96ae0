// Wraps any CacheBus so a test can inject faults per operation (fail, hang, slow, as flaky-store does for stores).
// Counts every call it sees; offers `ping` only when the inner bus does.

import type { BusHandlers, BusMessage, CacheBus } from '@tiered/core'
import { createFaults, type FaultControls } from './faults.js'
import { InjectedFleetError } from './flaky-lock.js'

export type BusOp = 'publish' | 'subscribe' | 'ping'

export interface FlakyBus extends CacheBus, FaultControls<BusOp> {
  readonly inner: CacheBus
  publish(message: BusMessage): Promise<void>
  subscribe(handlers: BusHandlers): Promise<void>
  ping?(): Promise<void>
}

/** Every call returns a promise (a bus is remote), and an injected failure is a rejection. */
export function createFlakyBus(inner: CacheBus): FlakyBus {
  const faults = createFaults<BusOp>(
    ['publish', 'subscribe', 'ping'],
    (op) => new InjectedFleetError('bus', op),
  )
  const bus: FlakyBus = {
    inner,
    ...faults.controls,
    publish: (message) => faults.async('publish', () => inner.publish(message)),
    subscribe: (handlers) => faults.async('subscribe', () => inner.subscribe(handlers)),
    close: () => inner.close?.(),
  }
  const ping = inner.ping
  if (ping !== undefined) bus.ping = () => faults.async('ping', () => ping.call(inner))
  return bus
}
