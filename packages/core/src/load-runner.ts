// Runs one queryFn call with its timers: the value, the loader's own error, CacheTimeoutError once `timeout`
// passed (the signal is aborted), or the reason the load was aborted (close) — whichever comes first. The timer
// stops the moment the loader settles, so a load that succeeded is never aborted afterwards.

import { noteQuery } from './diagnostics.js'
import { CacheTimeoutError } from './errors.js'
import type { AbortableLoad } from './load-context.js'

export function runQuery<C extends AbortableLoad, T>(
  queryFn: (context: C) => T | PromiseLike<T>,
  context: C,
  timeoutMs: number | undefined,
): Promise<T> {
  noteQuery()
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const stop = () => {
      if (timer !== undefined) clearTimeout(timer)
      context.onAbort = undefined
    }
    context.onAbort = (reason) => {
      stop()
      reject(reason)
    }
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => context.abort(new CacheTimeoutError(context.label, timeoutMs)), timeoutMs)
    }
    let loading: T | PromiseLike<T>
    try {
      loading = queryFn(context)
    } catch (error) {
      stop()
      reject(error)
      return
    }
    Promise.resolve(loading).then(
      (value) => {
        stop()
        resolve(value)
      },
      (error: unknown) => {
        stop()
        reject(error)
      },
    )
  })
}

/** What `waitFor` gives when `softTimeout` passed first: serve the entry within grace, let the load go on. */
export const SOFT_TIMEOUT: unique symbol = Symbol('soft timeout')

/**
 * Waits for `load`, giving SOFT_TIMEOUT after `softMs` or rejecting with CacheTimeoutError after `hardMs`, unless
 * the loader already has its value (the rest is its writes).
 */
export function waitFor<T>(
  load: Promise<T>,
  key: string,
  softMs: number | undefined,
  hardMs: number | undefined,
  flight: { readonly loaded: boolean } | undefined,
): Promise<T | typeof SOFT_TIMEOUT> {
  return new Promise<T | typeof SOFT_TIMEOUT>((resolve, reject) => {
    const soft = softMs === undefined ? undefined : setTimeout(() => resolve(SOFT_TIMEOUT), softMs)
    const hard =
      hardMs === undefined
        ? undefined
        : setTimeout(() => {
            if (flight?.loaded !== true) reject(new CacheTimeoutError(key, hardMs))
          }, hardMs)
    const stop = () => {
      if (soft !== undefined) clearTimeout(soft)
      if (hard !== undefined) clearTimeout(hard)
    }
    load.then(
      (value) => {
        stop()
        resolve(value)
      },
      (error: unknown) => {
        stop()
        reject(error)
      },
    )
  })
}
