// keyv 6 (and @keyv/redis' clear on keyv 5) report a failing backend only by emitting `error` and answering
// undefined or false. This turns what Keyv emits during one of the store's own calls into that call's rejection,
// and leaves every other error where it was: the app's listeners hear all of them, as before.

import { AsyncLocalStorage } from 'node:async_hooks'
import type { KeyvInstance } from './keyv-instance.js'

interface Call {
  readonly owner: EmittedErrors
  readonly errors: unknown[]
}

const currentCall = new AsyncLocalStorage<Call>()

export class EmittedErrors {
  readonly #keyv: KeyvInstance
  #inFlight = 0

  constructor(keyv: KeyvInstance) {
    this.#keyv = keyv
  }

  /**
   * Runs `operation`; an error Keyv emitted while it ran (in its async context, so never another call's) makes it
   * reject with that error. The listener is on the Keyv only while a call runs.
   */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    const call: Call = { owner: this, errors: [] }
    if (this.#inFlight++ === 0) this.#keyv.on('error', this.#listener)
    try {
      const result = await currentCall.run(call, operation)
      if (call.errors.length > 0) throw call.errors[0]
      return result
    } finally {
      if (--this.#inFlight === 0) this.#keyv.off('error', this.#listener)
    }
  }

  readonly #listener = (error: unknown): void => {
    const call = currentCall.getStore()
    if (call?.owner === this) {
      call.errors.push(error)
      return
    }
    // Not ours. keyv 6 throws an error nobody listens for; while this listener is the only one, do the same.
    if (this.#keyv.listeners('error').length === 1) {
      throw error instanceof Error ? error : new Error(String(error))
    }
  }
}
