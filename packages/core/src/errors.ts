// One error class per thing a caller can act on; every one carries a name, a stable `code`, advice and its cause.
// Errors are recognised by `code`, never by `instanceof` alone: the ESM and CJS builds (and two copies of core in
// one app) are different classes with the same codes.

export type StoreOperation = 'get' | 'set' | 'delete' | 'clear' | 'close'

/** The stable codes of tiered's errors. */
export const ErrorCodes = {
  timeout: 'TIERED_TIMEOUT',
  store: 'TIERED_STORE',
  storeTimeout: 'TIERED_STORE_TIMEOUT',
  circuitOpen: 'TIERED_CIRCUIT_OPEN',
  serialization: 'TIERED_SERIALIZATION',
  closed: 'TIERED_CLOSED',
  validation: 'TIERED_VALIDATION',
  fleet: 'TIERED_FLEET',
  compressionUnavailable: 'TIERED_COMPRESSION_UNAVAILABLE',
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

/** True when `error` carries tiered's `code`, whichever build or copy of core made it. */
export function hasErrorCode(error: unknown, code: ErrorCode): boolean {
  return error !== null && typeof error === 'object' && (error as { code?: unknown }).code === code
}

/** A load took longer than its `timeout`; its signal was aborted. */
export class CacheTimeoutError extends Error {
  override readonly name = 'CacheTimeoutError'
  readonly code = ErrorCodes.timeout
  readonly key: string
  readonly timeoutMs: number

  constructor(key: string, timeoutMs: number) {
    super(
      `loading "${key}" took longer than its timeout of ${timeoutMs}ms and was aborted; ` +
        'raise `timeout`, make queryFn faster, or set `staleIfError` so a cached value can be served',
    )
    this.key = key
    this.timeoutMs = timeoutMs
  }
}

/** A tier failed an operation. Reads and writes report it and go on; `delete` and `clear` reject with it. */
export class CacheStoreError extends Error {
  override readonly name = 'CacheStoreError'
  readonly code = ErrorCodes.store
  readonly tier: string
  readonly operation: StoreOperation
  readonly key: string | undefined

  constructor(tier: string, operation: StoreOperation, key: string | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    const target = key === undefined ? '' : ` "${key}"`
    super(
      `tier "${tier}" failed to ${operation}${target}: ${reason}; check the store's connection and health`,
      {
        cause,
      },
    )
    this.tier = tier
    this.operation = operation
    this.key = key
  }
}

/** A tier operation gave up after the tier's `storeTimeout`. */
export class StoreTimeoutError extends Error {
  override readonly name = 'StoreTimeoutError'
  readonly code = ErrorCodes.storeTimeout

  constructor(tier: string, operation: StoreOperation | 'bus' | 'lock', timeoutMs: number) {
    super(
      `tier "${tier}" did not answer ${operation} within ${timeoutMs}ms; ` +
        'the tier is treated as a miss or a failed write; raise `storeTimeout` if the store is merely slow',
    )
  }
}

/** The tier's circuit breaker is open after repeated failures, so the tier was skipped. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError'
  readonly code = ErrorCodes.circuitOpen

  constructor(tier: string, retryAt: number) {
    super(
      `tier "${tier}" is skipped after repeated failures until ${new Date(retryAt).toISOString()}, then probed`,
    )
  }
}

/**
 * A value could not be turned into bytes, or stored bytes could not be turned back into a value. A store throws
 * it (or any error with `code: 'TIERED_SERIALIZATION'`); it never counts against the tier's circuit. From
 * `setMany`, `keys` lists every item that was left out (the others were written).
 */
export class CacheSerializationError extends Error {
  override readonly name = 'CacheSerializationError'
  readonly code = ErrorCodes.serialization
  readonly key: string | undefined
  readonly keys: readonly string[] | undefined

  constructor(message: string, key: string | undefined, cause?: unknown, keys?: readonly string[]) {
    super(message, cause === undefined ? undefined : { cause })
    this.key = key
    this.keys = keys ?? (key === undefined ? undefined : [key])
  }
}

/** The cache was closed; create a new TieredCache to go on. */
export class CacheClosedError extends Error {
  override readonly name = 'CacheClosedError'
  readonly code = ErrorCodes.closed

  constructor() {
    super('this TieredCache is closed; create a new one to go on caching')
  }
}

/** A value read from a shared tier failed the call's `schema`: it counts as a miss and the load replaces it. */
export class CacheValidationError extends Error {
  override readonly name = 'CacheValidationError'
  readonly code = ErrorCodes.validation
  readonly key: string
  readonly tier: string
  readonly issues: readonly { readonly message: string }[]

  constructor(key: string, tier: string, issues: readonly { readonly message: string }[]) {
    super(
      `the value under "${key}" in tier "${tier}" does not match the schema (${issues
        .slice(0, 3)
        .map((issue) => issue.message)
        .join('; ')}); it is treated as a miss and reloaded`,
    )
    this.key = key
    this.tier = tier
    this.issues = issues
  }
}

/** The fleet's bus or lock failed or was slower than `storeTimeout`; the cache went on without it. */
export class CacheFleetError extends Error {
  override readonly name = 'CacheFleetError'
  readonly code = ErrorCodes.fleet
  readonly part: 'bus' | 'lock'
  readonly operation: string

  constructor(part: 'bus' | 'lock', operation: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(
      `the ${part} failed to ${operation}: ${reason}; ` +
        (part === 'bus'
          ? 'other processes may serve an old value from memory until the bus is back (failed notices are retried)'
          : 'this process loaded on its own, so the source may see one load per process'),
      { cause },
    )
    this.part = part
    this.operation = operation
  }
}

/** A store was asked to compress with an algorithm this runtime's node:zlib lacks (zstd before Node 22.15). */
export class CompressionUnavailableError extends Error {
  override readonly name = 'CompressionUnavailableError'
  readonly code = ErrorCodes.compressionUnavailable
  readonly algorithm: string

  constructor(algorithm: string, advice: string) {
    super(`${algorithm} compression is not available in Node ${process.versions.node}: ${advice}`)
    this.algorithm = algorithm
  }
}
