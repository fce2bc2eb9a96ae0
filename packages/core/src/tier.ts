// One tier as the engine sees it: every store call goes through one wrapper (a sync throw, a rejection and a
// timeout all become a reported failure), calls of one key reach the store in the order they were made, reads and
// writes that arrive while one is out are batched, and an open circuit is probed in the background.
// Nothing here throws or rejects on a store failure: reads become misses, failures are reported.

import type { CircuitStats } from './circuit-breaker.js'
import { Deadlines } from './deadlines.js'
import { type StoreMethod, storeTraced, traceStore } from './diagnostics.js'
import {
  CacheStoreError,
  CircuitOpenError,
  ErrorCodes,
  hasErrorCode,
  type StoreOperation,
  StoreTimeoutError,
} from './errors.js'
import { Circuit, type CircuitSettings } from './health.js'
import { type Resolve, TickBatch } from './tick-batch.js'
import type { CacheEntry, CacheStore, HeldLease, MaybePromise, StoreWrite } from './types.js'

/** What a tier tells the cache it belongs to. */
export interface TierHost {
  /** The cache's name, for diagnostics. */
  cache: string
  now(): number
  report(error: CacheStoreError): void
  circuitOpened(tier: string, operations: CircuitKind, failures: number, retryAt: number): void
  circuitClosed(tier: string, operations: CircuitKind): void
}

/** Reads and writes trip separate circuits: a full Redis that refuses writes still serves reads. */
export type CircuitKind = 'reads' | 'writes'

export interface TierStats {
  name: string
  reads: CircuitStats
  writes: CircuitStats
}

export type { CircuitSettings } from './health.js'

/**
 * A lease to end with a write (DESIGN "Fleet", rule 7): the store ends it in the write's round trip when it offers
 * `setAndRelease`, else `release` is called once the write went out. Either way exactly once.
 */
export interface LeaseHandoff {
  readonly lease: HeldLease
  release(): void
}

/** The key a background probe reads and writes (under the store's own prefix). */
export const PROBE_KEY = '__tiered:probe'

type Outcome<T> = T | CacheStoreError
type Pending = Promise<unknown>

export class Tier {
  readonly store: CacheStore
  readonly name: string
  /** Private to this process (memory): the bus keeps it true. */
  readonly local: boolean
  /** Learned from the first read: true when the store answers synchronously (memory), false for a promise. */
  sync: boolean | undefined = undefined
  /**
   * True after a failure until the tier is healthy again: a load does not wait for writes to a failing tier, so a
   * hung tier costs a load at most one timeout (its read), not two.
   */
  failing = false
  readonly #host: TierHost
  readonly #timeoutMs: number
  readonly #deadlines: Deadlines | undefined
  readonly #readCircuit: Circuit | undefined
  readonly #writeCircuit: Circuit | undefined
  /** Reads and writes sent to the store and not settled: while none is out, a lone call goes straight out. */
  #readsOut = 0
  #writesOut = 0
  /** Per key, the last mutation of an asynchronous store not yet settled: the next call of that key waits for it. */
  readonly #pending = new Map<string, Pending>()
  /** A clear in progress: every call waits for it. */
  #barrier: Pending | undefined = undefined
  readonly #reads = new TickBatch<string, CacheEntry | undefined>((keys, resolvers) =>
    this.#flushReads(keys, resolvers),
  )
  readonly #writes = new TickBatch<StoreWrite, CacheStoreError | undefined>((items, resolvers) =>
    this.#flushWrites(items, resolvers),
  )

  constructor(store: CacheStore, host: TierHost, timeoutMs: number, circuit: CircuitSettings | undefined) {
    this.store = store
    this.name = store.name
    this.local = store.local === true
    this.#host = host
    this.#timeoutMs = timeoutMs
    this.#deadlines = timeoutMs > 0 ? new Deadlines(timeoutMs) : undefined
    if (circuit !== undefined) {
      this.#readCircuit = this.#circuit(circuit, 'reads')
      this.#writeCircuit = this.#circuit(circuit, 'writes')
    }
  }

  /**
   * The entry under `key`, or undefined on a miss, a failure, a timeout or an open circuit. Never rejects.
   * `batch`: the caller reads many keys in this tick (swrMany), so even the first read waits for the others and
   * they go out as one getMany.
   */
  read(key: string, batch = false): MaybePromise<CacheEntry | undefined> {
    if (this.#readCircuit?.open === true) return undefined
    const before = this.#before(key)
    if (before !== undefined) return before.then(() => this.#sendRead(key, batch))
    return this.#sendRead(key, batch)
  }

  /**
   * Writes the entry; settles once the store did, giving the failure (already reported) or undefined. A tier whose
   * write circuit is open is skipped, which counts as a failure only when `strict` (an invalidation must land).
   */
  write(
    key: string,
    entry: CacheEntry,
    ttlMs: number,
    strict = false,
    handoff?: LeaseHandoff,
  ): MaybePromise<CacheStoreError | undefined> {
    if (this.#writeCircuit?.open === true) {
      handoff?.release()
      return strict ? this.#skippedInvalidation('set', key) : undefined
    }
    if (handoff !== undefined)
      return this.#ordered(key, () => this.#sendReleasing({ key, entry, ttlMs }, handoff))
    return this.#ordered(key, () => this.#sendWrite({ key, entry, ttlMs }))
  }

  /** Deletes the key; gives back the failure (already reported) so that the caller can reject with it. */
  delete(key: string): MaybePromise<CacheStoreError | undefined> {
    const skipped = this.#skippedInvalidation('delete', key)
    if (skipped !== undefined) return skipped
    return this.#ordered(key, () => failureOf(this.#call('delete', key, () => this.store.delete(key))))
  }

  /**
   * Deletes every key in one `deleteMany` call when the store has one (after the calls of those keys already made),
   * else one `delete` per key. Gives back the first failure (already reported).
   */
  deleteMany(keys: readonly string[]): MaybePromise<CacheStoreError | undefined> {
    const deleteMany = this.store.deleteMany
    if (deleteMany === undefined || keys.length < 2) {
      let failure: MaybePromise<CacheStoreError | undefined>[] | undefined
      for (const key of keys) {
        const outcome = this.delete(key)
        if (outcome === undefined) continue
        failure ??= []
        failure.push(outcome)
      }
      if (failure === undefined) return undefined
      return Promise.all(failure).then((outcomes) => outcomes.find((outcome) => outcome !== undefined))
    }
    const skipped = this.#skippedInvalidation('delete', undefined)
    if (skipped !== undefined) return skipped
    const send = () => failureOf(this.#call('delete', undefined, () => deleteMany.call(this.store, keys)))
    const before: Pending[] = []
    for (const key of keys) {
      const pending = this.#before(key)
      if (pending !== undefined && !before.includes(pending)) before.push(pending)
    }
    const run = before.length === 0 ? send() : Promise.all(before).then(send)
    if (!(run instanceof Promise)) return run
    for (const key of keys) this.#pending.set(key, run)
    run.then(() => {
      for (const key of keys) if (this.#pending.get(key) === run) this.#pending.delete(key)
    })
    return run
  }

  /** Empties the store once every call already made has settled; a store without `clear` is a failure. */
  clear(): MaybePromise<CacheStoreError | undefined> {
    const clear = this.store.clear
    if (clear === undefined) {
      return new CacheStoreError(
        this.name,
        'clear',
        undefined,
        new TypeError('the store does not implement clear()'),
      )
    }
    const skipped = this.#skippedInvalidation('clear', undefined)
    if (skipped !== undefined) return skipped
    const send = () => failureOf(this.#call('clear', undefined, () => clear.call(this.store)))
    const waitFor = [...this.#pending.values()]
    if (this.#barrier !== undefined) waitFor.push(this.#barrier)
    this.#pending.clear()
    const run = waitFor.length === 0 ? send() : Promise.all(waitFor).then(send)
    if (!(run instanceof Promise)) return run
    this.#barrier = run
    run.then(() => {
      if (this.#barrier === run) this.#barrier = undefined
    })
    return run
  }

  close(): undefined | Promise<unknown> {
    this.#readCircuit?.stop()
    this.#writeCircuit?.stop()
    const close = this.store.close
    if (close === undefined) return undefined
    const closed = this.#call('close', undefined, () => close.call(this.store))
    return closed instanceof Promise ? closed : undefined
  }

  stats(): TierStats {
    const of = (circuit: Circuit | undefined): CircuitStats =>
      circuit?.stats() ?? { circuit: 'closed', failures: 0 }
    return { name: this.name, reads: of(this.#readCircuit), writes: of(this.#writeCircuit) }
  }

  /** What a call of `key` must wait for: an unsettled mutation of that key, or a clear. */
  #before(key: string): Pending | undefined {
    if (this.#pending.size === 0) return this.#barrier
    return this.#pending.get(key) ?? this.#barrier
  }

  /** Sends a mutation once the previous call of its key settled, and makes the next one wait for it. */
  #ordered<R>(key: string, send: () => MaybePromise<R>): MaybePromise<R> {
    const before = this.#before(key)
    const run = before === undefined ? send() : before.then(send)
    if (!(run instanceof Promise)) return run
    this.#pending.set(key, run)
    run.then(() => {
      if (this.#pending.get(key) === run) this.#pending.delete(key)
    })
    return run
  }

  #sendRead(key: string, batch: boolean): MaybePromise<CacheEntry | undefined> {
    // While a read is out, reads that arrive go out together as one getMany once the tick ends; a lone read goes
    // straight out, so that one caller never waits for a batch.
    if (
      (batch ? this.sync !== true : this.#readsOut > 0 && this.sync === false) &&
      this.store.getMany !== undefined
    )
      return this.#reads.add(key)
    // The hot path: the store is called here rather than through #call's closure, so a memory hit allocates
    // nothing; a failure takes the same way as in #call.
    if (storeTraced()) return this.#call('get', key, () => this.store.get(key)) as never
    let result: MaybePromise<CacheEntry | undefined>
    try {
      result = this.store.get(key)
    } catch (error) {
      this.#fail('get', key, error)
      return undefined
    }
    if (result instanceof Promise) {
      this.sync = false
      return this.#settle(result, 'get', key).then(entryOf)
    }
    if (this.sync === undefined) this.sync = true
    if (this.failing) this.#succeed('get')
    return result
  }

  #sendWrite(item: StoreWrite): MaybePromise<CacheStoreError | undefined> {
    if (this.#writesOut > 0 && this.sync === false && this.store.setMany !== undefined)
      return this.#writes.add(item)
    return failureOf(this.#call('set', item.key, () => this.store.set(item.key, item.entry, item.ttlMs)))
  }

  /**
   * A write that ends a lease: one store call when the store offers it, never batched (a batch would send the
   * release as a command of its own).
   */
  #sendReleasing(item: StoreWrite, handoff: LeaseHandoff): MaybePromise<CacheStoreError | undefined> {
    const setAndRelease = this.store.setAndRelease
    if (setAndRelease === undefined) {
      const written = this.#sendWrite(item)
      // The release follows the write onto the wire: on one connection, the next holder finds the value written.
      process.nextTick(handoff.release)
      return written
    }
    const settle = (outcome: Outcome<boolean>): CacheStoreError | undefined => {
      // Only written (or not even that): the lock ends the lease.
      if (outcome !== true) handoff.release()
      return outcome instanceof CacheStoreError && outcome !== SERIALIZATION ? outcome : undefined
    }
    const outcome = this.#call('set', item.key, () =>
      setAndRelease.call(this.store, item.key, item.entry, item.ttlMs, handoff.lease),
    )
    return outcome instanceof Promise ? outcome.then(settle) : settle(outcome)
  }

  #skippedInvalidation(operation: StoreOperation, key: string | undefined): CacheStoreError | undefined {
    const circuit = this.#writeCircuit
    if (circuit === undefined || !circuit.open) return undefined
    // A skipped invalidation is still a failed one: the caller must hear of it.
    return new CacheStoreError(this.name, operation, key, new CircuitOpenError(this.name, circuit.retryAt))
  }

  /**
   * The one wrapper around a store call: a sync throw, a rejection and a timeout become a failure that is reported
   * and counted against the circuit (unless it is the value's fault); a sync answer stays sync.
   */
  #call<T>(
    operation: StoreOperation,
    key: string | undefined,
    run: () => MaybePromise<T>,
    many?: number,
  ): MaybePromise<Outcome<T>> {
    if (storeTraced()) {
      const method = (many === undefined ? operation : `${operation}Many`) as StoreMethod
      const keys = many ?? (key === undefined ? 0 : 1)
      return traceStore(
        { cache: this.#host.cache, tier: this.name, operation: method, keys },
        () => this.#callNow(operation, key, run),
        storeFailure,
      )
    }
    return this.#callNow(operation, key, run)
  }

  #callNow<T>(
    operation: StoreOperation,
    key: string | undefined,
    run: () => MaybePromise<T>,
  ): MaybePromise<Outcome<T>> {
    let result: MaybePromise<T>
    try {
      result = run()
    } catch (error) {
      return this.#fail(operation, key, error)
    }
    if (result instanceof Promise) return this.#settle(result, operation, key)
    if (this.failing) this.#succeed(operation)
    return result
  }

  /** Waits for the store within the tier's timeout. */
  #settle<T>(work: Promise<T>, operation: StoreOperation, key: string | undefined): Promise<Outcome<T>> {
    const counted = operation === 'get' ? 1 : operation === 'set' ? 2 : 0
    if (counted === 1) this.#readsOut++
    else if (counted === 2) this.#writesOut++
    return new Promise<Outcome<T>>((resolve) => {
      let done = false
      const finish = (): boolean => {
        if (done) return false
        done = true
        if (counted === 1) this.#readsOut--
        else if (counted === 2) this.#writesOut--
        return true
      }
      const deadline = this.#deadlines?.start(() => {
        if (finish())
          resolve(this.#fail(operation, key, new StoreTimeoutError(this.name, operation, this.#timeoutMs)))
      })
      work.then(
        (value) => {
          if (!finish()) return
          deadline?.finish()
          if (this.failing) this.#succeed(operation)
          resolve(value)
        },
        (error: unknown) => {
          if (!finish()) return
          deadline?.finish()
          resolve(this.#fail(operation, key, error))
        },
      )
    })
  }

  #flushReads(keys: string[], resolvers: Resolve<CacheEntry | undefined>[]): void {
    if (keys.length === 1) {
      const one = this.#call('get', keys[0], () => this.store.get(keys[0] as string))
      // A batched read (swrMany) teaches whether the store answers synchronously, as a lone read does.
      this.sync ??= !(one instanceof Promise)
      ;(resolvers[0] as Resolve<CacheEntry | undefined>)(
        one instanceof Promise ? (one.then(entryOf) as never) : entryOf(one),
      )
      return
    }
    const getMany = this.store.getMany as NonNullable<CacheStore['getMany']>
    const many = this.#call(
      'get',
      undefined,
      (): MaybePromise<(CacheEntry | undefined)[] | typeof ONE_BY_ONE> => {
        try {
          const answer = getMany.call(this.store, keys)
          return answer instanceof Promise ? answer.catch(oneByOneOnBadBytes) : answer
        } catch (error) {
          return oneByOneOnBadBytes(error)
        }
      },
      keys.length,
    )
    this.sync ??= !(many instanceof Promise)
    Promise.resolve(many).then((entries) => {
      if (entries === ONE_BY_ONE) {
        // Bytes that do not decode under one key must not cost the other keys of the batch: read each alone, so
        // that only the bad key is a miss (and reported).
        for (let i = 0; i < keys.length; i++) {
          const one = this.#call('get', keys[i], () => this.store.get(keys[i] as string))
          Promise.resolve(one).then((entry) =>
            (resolvers[i] as Resolve<CacheEntry | undefined>)(entryOf(entry)),
          )
        }
        return
      }
      const list = entries instanceof CacheStoreError ? undefined : entries
      for (let i = 0; i < resolvers.length; i++) (resolvers[i] as Resolve<CacheEntry | undefined>)(list?.[i])
    })
  }

  #flushWrites(items: StoreWrite[], resolvers: Resolve<CacheStoreError | undefined>[]): void {
    const setMany = this.store.setMany as NonNullable<CacheStore['setMany']>
    const written =
      items.length === 1
        ? this.#call('set', items[0]?.key, () => {
            const only = items[0] as StoreWrite
            return this.store.set(only.key, only.entry, only.ttlMs)
          })
        : this.#call('set', undefined, () => setMany.call(this.store, items), items.length)
    // A value that cannot be encoded is left out by the store, which names it; the rest were written once.
    Promise.resolve(failureOf(written)).then((failure) => {
      for (const resolve of resolvers) resolve(failure)
    })
  }

  #fail(operation: StoreOperation, key: string | undefined, cause: unknown): CacheStoreError {
    // Bytes that do not (de)serialise are the value's fault, not the tier's: the store answered, so its health
    // and its circuits are not touched. A batch names every key it left out.
    if (hasErrorCode(cause, ErrorCodes.serialization)) {
      const keys = (cause as { keys?: readonly string[] }).keys
      if (key === undefined && keys !== undefined && keys.length > 0) {
        for (const left of keys) this.#host.report(new CacheStoreError(this.name, operation, left, cause))
      } else {
        this.#host.report(new CacheStoreError(this.name, operation, key, cause))
      }
      if (this.failing) this.#succeed(operation)
      return SERIALIZATION
    }
    const error = new CacheStoreError(this.name, operation, key, cause)
    this.#host.report(error)
    if (operation === 'close') return error
    this.failing = true
    const kind: CircuitKind = operation === 'get' ? 'reads' : 'writes'
    ;(kind === 'reads' ? this.#readCircuit : this.#writeCircuit)?.failure()
    return error
  }

  #succeed(operation: StoreOperation): void {
    if (operation === 'close') return
    ;(operation === 'get' ? this.#readCircuit : this.#writeCircuit)?.success()
    this.#updateFailing()
  }

  #updateFailing(): void {
    const reads = this.#readCircuit
    const writes = this.#writeCircuit
    this.failing = reads !== undefined && writes !== undefined && (reads.failing || writes.failing)
  }

  /** A circuit of this tier's reads or writes, probed in the background with PROBE_KEY. */
  #circuit(settings: CircuitSettings, kind: CircuitKind): Circuit {
    return new Circuit(settings, () => this.#probe(kind), {
      now: () => this.#host.now(),
      opened: (failures, retryAt) => this.#host.circuitOpened(this.name, kind, failures, retryAt),
      closed: () => {
        this.#updateFailing()
        this.#host.circuitClosed(this.name, kind)
      },
    })
  }

  /** One probe: a read, or a write of a short-lived entry, under PROBE_KEY. Failures are not reported again. */
  #probe(kind: CircuitKind): Promise<boolean> {
    let work: MaybePromise<unknown>
    try {
      if (kind === 'reads') {
        work = this.store.get(PROBE_KEY)
      } else {
        const now = this.#host.now()
        const entry = {
          value: null,
          createdAt: now,
          freshUntil: now,
          expiresAt: now + 1_000,
          graceUntil: now + 1_000,
        }
        work = this.store.set(PROBE_KEY, entry, 1_000)
      }
    } catch {
      return Promise.resolve(false)
    }
    if (!(work instanceof Promise)) return Promise.resolve(true)
    return new Promise<boolean>((resolve) => {
      const timer =
        this.#timeoutMs > 0 ? setTimeout(() => resolve(false), this.#timeoutMs).unref() : undefined
      work.then(
        () => {
          clearTimeout(timer)
          resolve(true)
        },
        (error: unknown) => {
          clearTimeout(timer)
          resolve(hasErrorCode(error, ErrorCodes.serialization))
        },
      )
    })
  }
}

/** A failure whose cause was the value, not the tier (already reported). */
const SERIALIZATION = new CacheStoreError('', 'get', undefined, 'serialization')
const ONE_BY_ONE: unique symbol = Symbol('one by one')

function oneByOneOnBadBytes(error: unknown): typeof ONE_BY_ONE {
  if (hasErrorCode(error, ErrorCodes.serialization)) return ONE_BY_ONE
  throw error
}

/** A store call's failure, for its trace: the reported error (a value that does not encode is none of the tier's). */
function storeFailure(outcome: unknown): CacheStoreError | undefined {
  return outcome instanceof CacheStoreError && outcome !== SERIALIZATION ? outcome : undefined
}

function entryOf(outcome: Outcome<CacheEntry | undefined>): CacheEntry | undefined {
  return outcome instanceof CacheStoreError ? undefined : outcome
}

function failureOf(outcome: MaybePromise<Outcome<void>>): MaybePromise<CacheStoreError | undefined> {
  if (outcome instanceof Promise) return outcome.then(failureOf) as Promise<CacheStoreError | undefined>
  if (outcome instanceof CacheStoreError) return outcome === SERIALIZATION ? undefined : outcome
  return undefined
}
