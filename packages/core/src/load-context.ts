// What queryFn receives. Its AbortSignal is made only when queryFn reads it: most loaders never do, and an
// AbortController per load was a tenth of the CPU of a miss.

import type { LoadOptions, QueryFunctionContext, QueryKey } from './types.js'

export class LoadContext implements QueryFunctionContext {
  readonly queryKey: QueryKey
  readonly key: string
  /** What queryFn chose with setOptions, read once the value is back. */
  chosen: LoadOptions | undefined = undefined
  #controller: AbortController | undefined = undefined
  #aborted = false
  #reason: unknown = undefined

  constructor(queryKey: QueryKey, key: string) {
    this.queryKey = queryKey
    this.key = key
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
    this.chosen = this.chosen === undefined ? { ...options } : { ...this.chosen, ...options }
  }

  /** Aborts the signal, now if queryFn holds it, or as soon as it asks for it. */
  abort(reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason
    this.#controller?.abort(reason)
  }

  get aborted(): boolean {
    return this.#aborted
  }
}
