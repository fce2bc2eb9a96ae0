// What queryFn receives. Its AbortSignal is made only when queryFn reads it: most loaders never do, and an
// AbortController per load was a tenth of the CPU of a miss.

import type { QueryFunctionContext } from './types.js'

export class LoadContext implements QueryFunctionContext {
  readonly queryKey: string
  #controller: AbortController | undefined = undefined
  #aborted = false
  #reason: unknown = undefined

  constructor(queryKey: string) {
    this.queryKey = queryKey
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#aborted) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  /** Aborts the signal, now if queryFn holds it, or as soon as it asks for it. */
  abort(reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason
    this.#controller?.abort(reason)
  }
}
