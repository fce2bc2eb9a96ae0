// Wraps any CacheStore so a test can inject faults per operation: fail the next call or every
// call, slow calls down, or hang them until heal(). Counts every call it sees.

import type { CacheEntry, CacheStore, MaybePromise } from '@tiered/core'
import { createFaults, type FaultControls } from './faults.js'

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

export interface FlakyStore extends CacheStore, FaultControls<StoreOp> {
  readonly inner: CacheStore
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

export function createFlakyStore(inner: CacheStore, options: FlakyStoreOptions = {}): FlakyStore {
  const name = options.name ?? `flaky(${inner.name})`
  const isAsync = options.async ?? false
  const faults = createFaults<StoreOp>(
    ['get', 'set', 'delete', 'getMany', 'setMany', 'deleteMany', 'clear'],
    (op) => new InjectedStoreError(name, op),
  )
  const run = <T>(op: StoreOp, invoke: () => MaybePromise<T>): MaybePromise<T> =>
    faults.run(op, invoke, isAsync)

  const store: FlakyStore = {
    name,
    inner,
    get: (key) => run('get', () => inner.get(key)),
    set: (key, entry, ttlMs) => run('set', () => inner.set(key, entry, ttlMs)),
    delete: (key) => run('delete', () => inner.delete(key)),
    ...faults.controls,
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
