// One error class per thing a caller can act on; every one carries a name, advice and its cause.

export type StoreOperation = 'get' | 'set' | 'delete' | 'clear' | 'close'

/** A load took longer than its `timeout`; its signal was aborted. */
export class CacheTimeoutError extends Error {
  override readonly name = 'CacheTimeoutError'
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

  constructor(tier: string, operation: StoreOperation, timeoutMs: number) {
    super(
      `tier "${tier}" did not answer ${operation} within ${timeoutMs}ms; ` +
        'the tier is treated as a miss or a failed write; raise `storeTimeout` if the store is merely slow',
    )
  }
}

/** The tier's circuit breaker is open after repeated failures, so the tier was skipped. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError'

  constructor(tier: string, retryAt: number) {
    super(
      `tier "${tier}" is skipped after repeated failures until ${new Date(retryAt).toISOString()}, then probed`,
    )
  }
}

/** A value could not be turned into bytes, or stored bytes could not be turned back into a value. */
export class CacheSerializationError extends Error {
  override readonly name = 'CacheSerializationError'
  readonly key: string | undefined

  constructor(message: string, key: string | undefined, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.key = key
  }
}

/** The cache was closed; create a new TieredCache to go on. */
export class CacheClosedError extends Error {
  override readonly name = 'CacheClosedError'

  constructor() {
    super('this TieredCache is closed; create a new one to go on caching')
  }
}
