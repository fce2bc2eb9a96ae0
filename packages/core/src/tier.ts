// One tier as the engine sees it: the store's calls with a timeout, a circuit breaker and batched reads.
// Nothing here throws or rejects on a store failure: reads become misses, failures are reported.

import type { CircuitBreaker, CircuitState } from './circuit-breaker.js'
import { Deadlines } from './deadlines.js'
import {
  CacheSerializationError,
  CacheStoreError,
  CircuitOpenError,
  type StoreOperation,
  StoreTimeoutError,
} from './errors.js'
import { type Resolve, TickBatch } from './tick-batch.js'
import type { CacheEntry, CacheStore, MaybePromise } from './types.js'

/** What a tier tells the cache it belongs to. */
export interface TierHost {
  now(): number
  report(error: CacheStoreError): void
  circuitOpened(tier: string, operations: CircuitKind, failures: number, retryAt: number): void
  circuitClosed(tier: string, operations: CircuitKind): void
}

/** Reads and writes trip separate circuits: a full Redis that refuses writes still serves reads. */
export type CircuitKind = 'reads' | 'writes'

export interface CircuitStats {
  circuit: CircuitState
  /** Failures in a row. */
  failures: number
}

export interface TierStats {
  name: string
  reads: CircuitStats
  writes: CircuitStats
}

interface WriteItem {
  key: string
  entry: CacheEntry
  ttlMs: number
}

const missing = (): undefined => undefined
const ONE_BY_ONE: unique symbol = Symbol('one by one')

export class Tier {
  readonly store: CacheStore
  readonly name: string
  /** Learned from the first read: true when the store answers synchronously (memory), false for a promise. */
  sync: boolean | undefined = undefined
  readonly #host: TierHost
  readonly #timeoutMs: number
  readonly #deadlines: Deadlines | undefined
  /** Reads and writes sent to the store and not settled: while none is out, a lone call goes straight out. */
  #readsOut = 0
  #writesOut = 0
  readonly #readCircuit: CircuitBreaker | undefined
  readonly #writeCircuit: CircuitBreaker | undefined
  /**
   * True after a failure until the tier is healthy again (the last call succeeded and no circuit counts
   * failures): a load does not wait for writes to a failing tier.
   */
  failing = false
  readonly #reads = new TickBatch<string, CacheEntry | undefined>((keys, resolvers) =>
    this.#flushReads(keys, resolvers),
  )
  readonly #writes = new TickBatch<WriteItem, unknown>((items, resolvers) =>
    this.#flushWrites(items, resolvers),
  )

  constructor(
    store: CacheStore,
    host: TierHost,
    timeoutMs: number,
    makeCircuit: (() => CircuitBreaker) | undefined,
  ) {
    this.store = store
    this.name = store.name
    this.#host = host
    this.#timeoutMs = timeoutMs
    this.#deadlines = timeoutMs > 0 ? new Deadlines(timeoutMs) : undefined
    this.#readCircuit = makeCircuit?.()
    this.#writeCircuit = makeCircuit?.()
  }

  /** The entry under `key`, or undefined on a miss, a failure, a timeout or an open circuit. Never rejects. */
  read(key: string): CacheEntry | undefined | Promise<CacheEntry | undefined> {
    if (!this.#allow(this.#readCircuit)) return undefined
    // Reads that arrive in the same tick for an asynchronous store go out as one getMany.
    // While a read is out, reads that arrive go out together as one getMany once the tick ends; a lone read
    // goes straight out, so that one caller never waits for a batch.
    if (this.#readsOut > 0 && this.sync === false && this.store.getMany !== undefined)
      return this.#reads.add(key)
    let result: CacheEntry | undefined | Promise<CacheEntry | undefined>
    try {
      result = this.store.get(key)
    } catch (error) {
      this.#fail('get', key, error)
      return undefined
    }
    if (result instanceof Promise) {
      this.sync = false
      return this.#settle(result, 'get', key, missing)
    }
    if (this.sync === undefined) this.sync = true
    if (this.failing) this.#succeed('get')
    return result
  }

  /** Writes the entry; resolves once the store settled. Failures are reported, never thrown. */
  write(key: string, entry: CacheEntry, ttlMs: number): undefined | Promise<unknown> {
    if (!this.#allow(this.#writeCircuit)) return undefined
    // Likewise writes: one setMany for those that arrive while a write is out.
    if (this.#writesOut > 0 && this.sync === false && this.store.setMany !== undefined)
      return this.#writes.add({ key, entry, ttlMs })
    let result: void | Promise<void>
    try {
      result = this.store.set(key, entry, ttlMs)
    } catch (error) {
      this.#fail('set', key, error)
      return undefined
    }
    if (result instanceof Promise) return this.#settle(result, 'set', key, missing)
    if (this.failing) this.#succeed('set')
    return undefined
  }

  /** Deletes the key; gives back the failure (already reported) so that the caller can reject with it. */
  remove(key: string): CacheStoreError | undefined | Promise<CacheStoreError | undefined> {
    return this.#mutate('delete', key, () => this.store.delete(key))
  }

  /** Empties the store; a store without `clear` is a failure, since a partial clear leaves data behind. */
  clear(): CacheStoreError | undefined | Promise<CacheStoreError | undefined> {
    const clear = this.store.clear
    if (clear === undefined) {
      return new CacheStoreError(
        this.name,
        'clear',
        undefined,
        new TypeError('the store does not implement clear()'),
      )
    }
    return this.#mutate('clear', undefined, () => clear.call(this.store))
  }

  close(): undefined | Promise<unknown> {
    const close = this.store.close
    if (close === undefined) return undefined
    let result: void | Promise<void>
    try {
      result = close.call(this.store)
    } catch (error) {
      this.#host.report(new CacheStoreError(this.name, 'close', undefined, error))
      return undefined
    }
    return result instanceof Promise ? this.#settle(result, 'close', undefined, missing) : undefined
  }

  stats(): TierStats {
    const now = this.#host.now()
    const of = (circuit: CircuitBreaker | undefined): CircuitStats => ({
      circuit: circuit === undefined ? 'closed' : circuit.state(now),
      failures: circuit === undefined ? 0 : circuit.failures,
    })
    return { name: this.name, reads: of(this.#readCircuit), writes: of(this.#writeCircuit) }
  }

  #mutate(
    operation: StoreOperation,
    key: string | undefined,
    run: () => void | Promise<void>,
  ): CacheStoreError | undefined | Promise<CacheStoreError | undefined> {
    const circuit = this.#writeCircuit
    if (!this.#allow(circuit)) {
      // A skipped invalidation is still a failed one: the caller must hear of it.
      return new CacheStoreError(
        this.name,
        operation,
        key,
        new CircuitOpenError(this.name, (circuit as CircuitBreaker).openUntil),
      )
    }
    let result: void | Promise<void>
    try {
      result = run()
    } catch (error) {
      return this.#fail(operation, key, error)
    }
    if (result instanceof Promise) {
      return this.#settle(result.then(missing), operation, key, (error: CacheStoreError) => error)
    }
    if (this.failing) this.#succeed(operation)
    return undefined
  }

  #allow(circuit: CircuitBreaker | undefined): boolean {
    return circuit === undefined || circuit.openUntil === 0 || circuit.allow(this.#host.now())
  }

  #circuitFor(operation: StoreOperation): CircuitBreaker | undefined {
    if (operation === 'get') return this.#readCircuit
    return operation === 'close' ? undefined : this.#writeCircuit
  }

  #flushReads(keys: string[], resolvers: Resolve<CacheEntry | undefined>[]): void {
    if (keys.length === 1) {
      this.#readOne(keys[0] as string).then(resolvers[0])
      return
    }
    let many: MaybePromise<(CacheEntry | undefined)[]>
    try {
      many = (this.store.getMany as NonNullable<CacheStore['getMany']>).call(this.store, keys)
    } catch (error) {
      many = Promise.reject(error)
    }
    // Bytes that do not deserialise under one key must not cost the other keys of the batch: read each alone,
    // so that only the bad key is a miss (and reported).
    const batch = Promise.resolve(many).catch((error: unknown) =>
      error instanceof CacheSerializationError ? ONE_BY_ONE : Promise.reject(error),
    )
    this.#settle(batch, 'get', undefined, missing).then((entries) => {
      if (entries === ONE_BY_ONE) {
        for (let i = 0; i < keys.length; i++) this.#readOne(keys[i] as string).then(resolvers[i])
        return
      }
      for (let i = 0; i < resolvers.length; i++)
        (resolvers[i] as Resolve<CacheEntry | undefined>)(entries?.[i])
    })
  }

  #flushWrites(items: WriteItem[], resolvers: Resolve<unknown>[]): void {
    if (items.length === 1) {
      const only = items[0] as WriteItem
      ;(resolvers[0] as Resolve<unknown>)(this.#writeOne(only))
      return
    }
    let written: MaybePromise<void>
    try {
      written = (this.store.setMany as NonNullable<CacheStore['setMany']>).call(this.store, items)
    } catch (error) {
      written = Promise.reject(error)
    }
    // A value that does not serialise must be reported under its own key: write each item alone, so the
    // store names the bad one and the others land.
    const batch = Promise.resolve(written).catch((error: unknown) =>
      error instanceof CacheSerializationError ? ONE_BY_ONE : Promise.reject(error),
    )
    const settled = this.#settle(batch, 'set', undefined, missing)
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as WriteItem
      ;(resolvers[i] as Resolve<unknown>)(
        settled.then((outcome) => (outcome === ONE_BY_ONE ? this.#writeOne(item) : undefined)),
      )
    }
  }

  #writeOne(item: WriteItem): Promise<unknown> {
    let one: MaybePromise<void>
    try {
      one = this.store.set(item.key, item.entry, item.ttlMs)
    } catch (error) {
      one = Promise.reject(error)
    }
    return this.#settle(Promise.resolve(one), 'set', item.key, missing)
  }

  #readOne(key: string): Promise<CacheEntry | undefined> {
    let one: MaybePromise<CacheEntry | undefined>
    try {
      one = this.store.get(key)
    } catch (error) {
      this.#fail('get', key, error)
      return Promise.resolve(undefined)
    }
    return one instanceof Promise ? this.#settle(one, 'get', key, missing) : Promise.resolve(one)
  }

  /** Waits for the store within the tier's timeout; a failure or timeout gives `onFailure(error)` instead. */
  #settle<T, F>(
    work: Promise<T>,
    operation: StoreOperation,
    key: string | undefined,
    onFailure: (error: CacheStoreError) => F,
  ): Promise<T | F> {
    const counted = operation === 'get' ? 'reads' : operation === 'set' ? 'writes' : undefined
    if (counted === 'reads') this.#readsOut++
    else if (counted === 'writes') this.#writesOut++
    const settled = () => {
      if (counted === 'reads') this.#readsOut--
      else if (counted === 'writes') this.#writesOut--
    }
    return new Promise<T | F>((resolve) => {
      let done = false
      const deadline = this.#deadlines?.start(() => {
        if (done) return
        done = true
        settled()
        const timeout = new StoreTimeoutError(this.name, operation, this.#timeoutMs)
        resolve(onFailure(this.#fail(operation, key, timeout)))
      })
      work.then(
        (value) => {
          if (done) return
          done = true
          settled()
          deadline?.finish()
          if (this.failing) this.#succeed(operation)
          resolve(value)
        },
        (error: unknown) => {
          if (done) return
          done = true
          settled()
          deadline?.finish()
          resolve(onFailure(this.#fail(operation, key, error)))
        },
      )
    })
  }

  #succeed(operation: StoreOperation): void {
    const circuit = this.#circuitFor(operation)
    if (circuit?.success() === true) this.#host.circuitClosed(this.name, kindOf(operation))
    const reads = this.#readCircuit
    const writes = this.#writeCircuit
    this.failing =
      reads !== undefined &&
      writes !== undefined &&
      (reads.failures !== 0 || reads.openUntil !== 0 || writes.failures !== 0 || writes.openUntil !== 0)
  }

  #fail(operation: StoreOperation, key: string | undefined, cause: unknown): CacheStoreError {
    const error =
      cause instanceof CacheStoreError ? cause : new CacheStoreError(this.name, operation, key, cause)
    this.#host.report(error)
    // Bytes that do not (de)serialise are the value's fault, not the tier's: the store answered, so its health
    // and its circuits are not touched.
    if (cause instanceof CacheSerializationError) {
      if (this.failing) this.#succeed(operation)
      return error
    }
    this.failing = true
    const circuit = this.#circuitFor(operation)
    if (circuit !== undefined) {
      const now = this.#host.now()
      if (circuit.failure(now)) {
        this.#host.circuitOpened(this.name, kindOf(operation), circuit.failures, circuit.openUntil)
      }
    }
    return error
  }
}

function kindOf(operation: StoreOperation): CircuitKind {
  return operation === 'get' ? 'reads' : 'writes'
}
