// Cache-wide defaults of a call's own timers (defaultTimeout, defaultSoftTimeout): checked once at construction,
// and laid under each swr / swrMany call's options, whose own values win.

import { toMs } from './duration.js'
import type { Duration, LoadCallOptions } from './types.js'

export interface CallDefaults {
  readonly timeout: number | undefined
  readonly softTimeout: number | undefined
}

/** The defaults, or undefined when neither is set (a call then costs nothing more). A bad duration: RangeError. */
export function callDefaults(options: {
  defaultTimeout?: Duration
  defaultSoftTimeout?: Duration
}): CallDefaults | undefined {
  const { defaultTimeout, defaultSoftTimeout } = options
  if (defaultTimeout === undefined && defaultSoftTimeout === undefined) return undefined
  const timeout = defaultTimeout === undefined ? undefined : toMs(defaultTimeout, 'defaultTimeout')
  if (timeout !== undefined && timeout <= 0) throw new RangeError('defaultTimeout must be greater than 0')
  const softTimeout =
    defaultSoftTimeout === undefined ? undefined : toMs(defaultSoftTimeout, 'defaultSoftTimeout')
  return { timeout, softTimeout }
}

/** `call` with the defaults under its own timeout and softTimeout; `call` itself when nothing is added. */
export function withCallDefaults<O extends LoadCallOptions>(call: O, defaults: CallDefaults | undefined): O {
  if (defaults === undefined) return call
  const timeout = call.timeout === undefined ? defaults.timeout : undefined
  const softTimeout = call.softTimeout === undefined ? defaults.softTimeout : undefined
  if (timeout === undefined && softTimeout === undefined) return call
  const merged = { ...call }
  if (timeout !== undefined) merged.timeout = timeout
  if (softTimeout !== undefined) merged.softTimeout = softTimeout
  return merged
}
