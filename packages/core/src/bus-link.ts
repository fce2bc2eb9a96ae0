// The cache's side of the fleet's bus: changes made in one tick go out as one notice per kind once their writes
// settled; a publish that fails or is slower than storeTimeout is reported and retried from a bounded queue (the
// newest notice per key wins, and an overflow becomes one `clear`); notices from other caches are checked and
// handed on. After a run of failures the bus's circuit opens: notices wait in the queue, the bus is probed in the
// background (its `ping`, else a notice about the probe key), and the queue goes out once it answers. The bus
// never makes a call fail or wait.

import { randomUUID } from 'node:crypto'
import { bounded, FAILED } from './bounded.js'
import type { CircuitStats } from './circuit-breaker.js'
import { publishBus } from './diagnostics.js'
import { CacheFleetError } from './errors.js'
import { Circuit, type CircuitSettings, type CircuitWatch } from './health.js'
import { PROBE_KEY } from './tier.js'
import type { BusMessage, CacheBus, MaybePromise } from './types.js'

export type KeyNotice = 'set' | 'delete' | 'expire'

export interface BusHost extends CircuitWatch {
  /** The cache's name, for diagnostics. */
  cache: string
  report(error: CacheFleetError): void
  /** A notice from another cache. */
  received(message: BusMessage): void
  /** Notices may have been lost. */
  gap(): void
}

/** Keys waiting to be published (or published again); bounded, then collapsed into one `clear`. */
const MAX_QUEUED = 10_000
const RETRY_MIN_MS = 100
/**
 * For this long after the subscription is back (gap), the bus does not count as delivering: the other processes'
 * notices of the outage may still wait in their queues until their own bus circuits close (a probe every cooldown),
 * so a process waiting for another's lease polls meanwhile rather than wait LEASE_RETRY_MS for a notice.
 */
const SETTLE_AFTER_GAP_MS = 1_000
const RETRY_MAX_MS = 5_000

export class BusLink {
  readonly origin = randomUUID()
  readonly #bus: CacheBus
  readonly #host: BusHost
  readonly #timeoutMs: number
  #keys = new Map<string, KeyNotice>()
  #tags = new Set<string>()
  #clear = false
  #flushing = false
  /** Settles once the flush that is coming has published; undefined while none is coming. */
  #published: Promise<void> | undefined = undefined
  #markPublished: (() => void) | undefined = undefined
  #retryMs = 0
  #timer: NodeJS.Timeout | undefined = undefined
  #closed = false
  /** False from the bus saying its subscription dropped (`lost`) until it is back (`gap`). */
  #listening = true
  /** When (performance.now()) the subscription was last back after a gap; -Infinity before any gap. */
  #backAt = Number.NEGATIVE_INFINITY
  readonly #circuit: Circuit | undefined

  constructor(bus: CacheBus, host: BusHost, timeoutMs: number, circuit?: CircuitSettings) {
    this.#bus = bus
    this.#host = host
    this.#timeoutMs = timeoutMs
    this.#circuit =
      circuit === undefined
        ? undefined
        : new Circuit(circuit, () => this.#probe(), {
            now: () => host.now(),
            opened: (failures, retryAt) => host.opened(failures, retryAt),
            closed: () => {
              // The bus answers again: what waited goes out now.
              this.#retryMs = 0
              this.#schedule()
              host.closed()
            },
          })
  }

  /** Subscribes; a failure is reported, and the cache works on without notices from others. */
  start(): Promise<void> {
    return this.#bounded('subscribe', false, () =>
      this.#bus.subscribe({
        message: (message) => {
          if (this.#closed) return
          if (!isBusMessage(message)) {
            this.#host.report(
              new CacheFleetError('bus', 'deliver', new TypeError('a malformed notice was dropped')),
            )
            return
          }
          if (message.origin !== this.origin) this.#host.received(message)
        },
        gap: () => {
          if (this.#closed) return
          this.#listening = true
          this.#backAt = performance.now()
          // The subscriber is back, so the bus likely answers again: probe now rather than at the next cooldown.
          this.#circuit?.probeNow()
          this.#host.gap()
        },
        lost: () => {
          this.#listening = false
        },
        error: (error) => {
          if (!this.#closed) this.#host.report(new CacheFleetError('bus', 'deliver', error))
        },
      }),
    ).then(() => undefined)
  }

  /**
   * Queues a notice about `key`; notices of one tick go out together. Settles once they were published, or once
   * publishing failed or took storeTimeout (then they are retried in the background); it never rejects.
   */
  key(type: KeyNotice, key: string): Promise<void> {
    // A delete wins over an expire, an expire over a set: each makes receivers drop or expire their copy.
    const queued = this.#keys.get(key)
    if (queued === undefined || rank(type) >= rank(queued)) this.#keys.set(key, type)
    return this.#schedule()
  }

  tags(tags: readonly string[]): Promise<void> {
    for (const tag of tags) this.#tags.add(tag)
    return this.#schedule()
  }

  clear(): Promise<void> {
    this.#clear = true
    this.#keys.clear()
    return this.#schedule()
  }

  /**
   * False while notices may not arrive: this process's subscription dropped or came back less than
   * SETTLE_AFTER_GAP_MS ago, or its circuit is open (notices wait in its queue, and likely in the other processes'
   * too). Nobody should wait for a notice then.
   */
  get delivering(): boolean {
    return (
      this.#listening &&
      this.#circuit?.open !== true &&
      performance.now() - this.#backAt >= SETTLE_AFTER_GAP_MS
    )
  }

  stats(): CircuitStats {
    return this.#circuit?.stats() ?? { circuit: 'closed', failures: 0 }
  }

  close(): MaybePromise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#circuit?.stop()
    const close = this.#bus.close
    if (close === undefined) return undefined
    return this.#bounded('close', false, () => close.call(this.#bus)).then(() => undefined)
  }

  /** Makes sure a flush is coming; gives what settles once it published (at once while a retry is pending). */
  #schedule(): Promise<void> {
    if (this.#keys.size + this.#tags.size > MAX_QUEUED) {
      // Too much is waiting (the bus has been down a while): one clear stands for all of it.
      this.#keys.clear()
      this.#tags.clear()
      this.#clear = true
    }
    // While a retry is pending or the circuit is open, notices wait in the queue: the retry, or the circuit
    // closing, sends them.
    if (this.#timer !== undefined || this.#closed || this.#circuit?.open === true) return Promise.resolve()
    if (!this.#flushing) {
      this.#flushing = true
      process.nextTick(this.#flush)
    }
    if (this.#published === undefined) {
      this.#published = new Promise<void>((resolve) => {
        this.#markPublished = resolve
      })
    }
    return this.#published
  }

  readonly #flush = (): void => {
    this.#flushing = false
    const markPublished = this.#markPublished
    this.#published = undefined
    this.#markPublished = undefined
    if (this.#circuit?.open === true) {
      // Opened since this flush was scheduled: the notices wait for the circuit to close.
      markPublished?.()
      return
    }
    const messages: BusMessage[] = []
    const origin = this.origin
    if (this.#clear) messages.push({ type: 'clear', origin })
    const byType: Record<KeyNotice, string[]> = { set: [], delete: [], expire: [] }
    for (const [key, type] of this.#keys) byType[type].push(key)
    for (const type of ['set', 'expire', 'delete'] as const) {
      if (byType[type].length > 0) messages.push({ type, keys: byType[type], origin })
    }
    if (this.#tags.size > 0) messages.push({ type: 'tags', tags: [...this.#tags], origin })
    const keys = this.#keys
    const tags = this.#tags
    const clear = this.#clear
    this.#keys = new Map()
    this.#tags = new Set()
    this.#clear = false
    if (messages.length === 0) {
      markPublished?.()
      return
    }
    Promise.all(
      messages.map((message) => this.#bounded('publish', true, () => this.#bus.publish(message))),
    ).then((outcomes) => {
      markPublished?.()
      outcomes.forEach((ok, i) => {
        if (ok) publishBus(this.#host.cache, 'sent', messages[i])
      })
      if (outcomes.every((ok) => ok)) {
        this.#retryMs = 0
        return
      }
      // Put back what did not go out, under anything newer queued meanwhile, and try again later.
      if (clear) this.#clear = true
      for (const [key, type] of keys) if (!this.#keys.has(key)) this.#keys.set(key, type)
      for (const tag of tags) this.#tags.add(tag)
      this.#retryLater()
    })
  }

  #retryLater(): void {
    if (this.#closed || this.#timer !== undefined || this.#circuit?.open === true) return
    this.#retryMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, this.#retryMs * 2))
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#schedule()
    }, this.#retryMs)
    this.#timer.unref()
  }

  /**
   * Runs a bus call within storeTimeout; true when it succeeded, else the failure is reported. A publish's outcome
   * counts for the circuit (`counted`).
   */
  #bounded(operation: string, counted: boolean, run: () => MaybePromise<void>): Promise<boolean> {
    return bounded(run, this.#timeoutMs, (error) => {
      this.#host.report(new CacheFleetError('bus', operation, error))
      if (counted) this.#circuit?.failure()
    }).then((outcome) => {
      if (outcome === FAILED) return false
      if (counted) this.#circuit?.success()
      return true
    })
  }

  /** The background probe of an open circuit: the bus's ping, or a notice about the probe key. Not reported. */
  #probe(): Promise<boolean> {
    const bus = this.#bus
    const ping = bus.ping
    const run =
      ping === undefined
        ? () => bus.publish({ type: 'set', keys: [PROBE_KEY], origin: this.origin })
        : () => ping.call(bus)
    return bounded(run, this.#timeoutMs, () => {}).then((outcome) => outcome !== FAILED)
  }
}

function rank(type: KeyNotice): number {
  return type === 'set' ? 0 : type === 'expire' ? 1 : 2
}

function isBusMessage(message: unknown): message is BusMessage {
  if (message === null || typeof message !== 'object') return false
  const { type, keys, tags, origin } = message as Record<string, unknown>
  if (typeof origin !== 'string') return false
  const strings = (list: unknown) => Array.isArray(list) && list.every((item) => typeof item === 'string')
  if (type === 'set' || type === 'delete' || type === 'expire') return strings(keys)
  if (type === 'tags') return strings(tags)
  return type === 'clear'
}
