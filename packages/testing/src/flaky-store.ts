// Wraps any CacheStore so a test can inject faults per operation: fail the next call or every
// call, slow calls down, or hang them until heal(). Counts every call it sees.

import { setTimeout as sleep } from 'node:timers/promises'
import type { CacheEntry, CacheStore, MaybePromise } from '@tiered/core'

export type StoreOp = 'get' | 'set' | 'delete' | 'getMany' | 'setMany' | 'deleteMany' | 'clear'

export interface FlakyStoreOptions {
  /** Defaults to `flaky(<inner name>)`. */
  name?: string
  /**
   * Return a promise from every method even when the inner store answers synchronously, and turn
   * injected failures into rejections. Default false: a failure is thrown synchronously, as a
   * synchronous tier would throw, and delayed or hung calls return promises.
   */
  async?: boolean
}

export interface FlakyStore extends CacheStore {
  readonly inner: CacheStore
  /** How many times each operation was called, failed calls included. */
  readonly calls: Readonly<Record<StoreOp, number>>
  /** The next call to `op` fails with `error`; calls queue up, so two calls fail the next two. */
  failNext(op: StoreOp, error?: unknown): void
  /** Every call to `op` (or every operation) fails with `error` until `heal()`. */
  failAlways(op: StoreOp | 'all', error?: unknown): void
  /** Every call to `op` (or every operation) waits `ms` before it answers (or fails) until `heal()`. */
  delay(op: StoreOp | 'all', ms: number): void
  /** Calls to `op` (or every operation) never settle until `heal()`, which lets them through to the inner store. */
  hang(op: StoreOp | 'all'): void
  /** Removes every fault and releases hung calls. */
  heal(): void
}

/** The default error of an injected failure. */
export class InjectedStoreError extends Error {
  override readonly name = 'InjectedStoreError'
  constructor(
    readonly store: string,
    readonly op: StoreOp,
  ) {
    super(`Injected ${op} failure in store "${store}" (createFlakyStore); call heal() to stop it`)
  }
}

/** Marks a fault injected without an error of the test's own: the call fails with an InjectedStoreError. */
const DEFAULT_ERROR = Symbol('default error')

export function createFlakyStore(inner: CacheStore, options: FlakyStoreOptions = {}): FlakyStore {
  const name = options.name ?? `flaky(${inner.name})`
  const isAsync = options.async ?? false
  const calls: Record<StoreOp, number> = {
    get: 0,
    set: 0,
    delete: 0,
    getMany: 0,
    setMany: 0,
    deleteMany: 0,
    clear: 0,
  }
  const nextFailures = new Map<StoreOp, unknown[]>()
  const alwaysFailures = new Map<StoreOp | 'all', unknown>()
  const delays = new Map<StoreOp | 'all', number>()
  const hangs = new Set<StoreOp | 'all'>()
  let releaseHung: (() => void)[] = []

  const injectedFailure = (op: StoreOp): { error: unknown } | undefined => {
    const queued = nextFailures.get(op)
    let error: unknown = DEFAULT_ERROR
    if (queued?.length) error = queued.shift()
    else if (alwaysFailures.has(op)) error = alwaysFailures.get(op)
    else if (alwaysFailures.has('all')) error = alwaysFailures.get('all')
    else return undefined
    return { error: error === DEFAULT_ERROR ? new InjectedStoreError(name, op) : error }
  }

  const run = <T>(op: StoreOp, invoke: () => MaybePromise<T>): MaybePromise<T> => {
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
    if (!isAsync) {
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

  const store: FlakyStore = {
    name,
    inner,
    calls,
    get: (key) => run('get', () => inner.get(key)),
    set: (key, entry, ttlMs) => run('set', () => inner.set(key, entry, ttlMs)),
    delete: (key) => run('delete', () => inner.delete(key)),
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

  const { getMany, setMany, deleteMany, clear, close } = inner
  if (getMany) store.getMany = (keys) => run('getMany', () => getMany.call(inner, keys))
  if (setMany) {
    store.setMany = (items: readonly { key: string; entry: CacheEntry; ttlMs: number }[]) =>
      run('setMany', () => setMany.call(inner, items))
  }
  if (deleteMany) store.deleteMany = (keys) => run('deleteMany', () => deleteMany.call(inner, keys))
  if (clear) store.clear = () => run('clear', () => clear.call(inner))
  if (close) store.close = () => close.call(inner)
  return store
}
