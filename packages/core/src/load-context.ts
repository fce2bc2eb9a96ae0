// What queryFn receives. Its AbortSignal is made only when queryFn reads it: most loaders never do, and an
// AbortController per load was a tenth of the CPU of a miss.

import { checkChosen } from './entry-policy.js'
import type {
  CacheEntry,
  LoadOptions,
  ManyQueryFunctionContext,
  QueryFunctionContext,
  QueryKey,
  StaleValue,
} from './types.js'

/** The signal and setOptions, shared by the context of one key and of many. */
export class AbortableLoad {
  /** What the loader chose with setOptions, read once the value is back. */
  chosen: LoadOptions | undefined = undefined
  /** Called once when the load is aborted (timeout, close), so that its caller stops waiting at once. */
  onAbort: ((reason: unknown) => void) | undefined = undefined
  /** Names the load in a CacheTimeoutError. */
  readonly label: string
  #controller: AbortController | undefined = undefined
  #aborted = false
  #reason: unknown = undefined

  constructor(label: string) {
    this.label = label
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#aborted) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  readonly setOptions = (options: LoadOptions): void => {
    if (options === null || typeof options !== 'object')
      throw new TypeError('setOptions takes an options object')
    checkChosen(options)
    this.chosen = this.chosen === undefined ? { ...options } : { ...this.chosen, ...options }
  }

  /** Aborts the signal, now if the loader holds it, or as soon as it asks for it. */
  abort(reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason
    this.#controller?.abort(reason)
    this.onAbort?.(reason)
  }
}

/** What `ctx.stale` shows of the entry a load refreshes or replaces: its value and when it was produced. */
export function staleValue(entry: CacheEntry | undefined): StaleValue | undefined {
  return entry === undefined ? undefined : { value: entry.value, createdAt: entry.createdAt }
}

export class LoadContext extends AbortableLoad implements QueryFunctionContext {
  readonly queryKey: QueryKey
  readonly key: string
  readonly stale: StaleValue | undefined

  constructor(queryKey: QueryKey, key: string, stale?: StaleValue) {
    super(key)
    this.queryKey = queryKey
    this.key = key
    this.stale = stale
  }
}

export class ManyLoadContext extends AbortableLoad implements ManyQueryFunctionContext {
  readonly queryKeys: readonly QueryKey[]
  readonly keys: readonly string[]
  readonly stale: readonly (StaleValue | undefined)[]

  constructor(
    queryKeys: readonly QueryKey[],
    keys: readonly string[],
    stale: readonly (StaleValue | undefined)[],
  ) {
    super(keys.length === 1 ? (keys[0] as string) : `${keys[0]} and ${keys.length - 1} more`)
    this.queryKeys = queryKeys
    this.keys = keys
    this.stale = stale
  }
}
