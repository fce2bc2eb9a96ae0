// What the store needs from a Keyv, written structurally so that a Keyv from keyv 5 or keyv 6 (two unrelated class
// declarations) is accepted, and the few places where the two majors differ, each answered once.

/** The part of a Keyv (keyv 5.6+ or 6.1+) the store calls. */
export interface KeyvInstance {
  readonly namespace?: string | undefined
  /** The storage adapter (keyv 5 and 6 both expose it). */
  readonly store: unknown
  getRaw(key: string): Promise<unknown>
  getManyRaw(keys: string[]): Promise<unknown[]>
  set(key: string, value: unknown, ttl?: number): Promise<boolean>
  setMany(entries: { key: string; value: unknown; ttl?: number }[]): Promise<boolean[]>
  delete(key: string): Promise<boolean>
  deleteMany(keys: string[]): Promise<boolean | boolean[]>
  clear(): Promise<void>
  /** Keyv's own; the store never calls it (the application owns the Keyv). */
  disconnect?(): Promise<void>
  on(event: 'error', listener: (error: unknown) => void): unknown
  off(event: 'error', listener: (error: unknown) => void): unknown
  listeners(event: 'error'): unknown[]
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

export function isKeyvInstance(value: unknown): value is KeyvInstance {
  return (
    isRecord(value) &&
    typeof value.getRaw === 'function' &&
    typeof value.getManyRaw === 'function' &&
    typeof value.setMany === 'function' &&
    typeof value.on === 'function' &&
    typeof value.off === 'function'
  )
}

/**
 * Asks Keyv (5: `throwOnErrors`) and its adapter (`@keyv/redis`: `throwOnErrors`) to throw instead of only emitting.
 * keyv 6 has no such switch: it emits, and the store catches what is emitted during its own calls.
 */
export function askToThrow(keyv: KeyvInstance): void {
  const target = keyv as unknown as Record<string, unknown>
  if (typeof target.throwOnErrors === 'boolean') target.throwOnErrors = true
  const adapter = keyv.store
  if (isRecord(adapter) && typeof adapter.throwOnErrors === 'boolean') adapter.throwOnErrors = true
}

/** Whether the adapter reads many keys in one call (`@keyv/redis`: MGET, keyv 6's memory adapter). */
export function backendReadsMany(keyv: KeyvInstance): boolean {
  const adapter = keyv.store
  return isRecord(adapter) && typeof adapter.getMany === 'function'
}

/**
 * Keyv 5 leaves a key that already starts with `<namespace>:` unprefixed in get but prefixes it in getMany
 * (`useKeyPrefix`); keyv 6 moved prefixing into the adapter and has no such rule.
 */
export function prefixesLikeKeyv5(keyv: KeyvInstance): boolean {
  return (keyv as unknown as { useKeyPrefix?: unknown }).useKeyPrefix === true
}

/**
 * The error Keyv's serializer throws for `value`, or undefined when it encodes. keyv 5 keeps its serializer in
 * `serialize` (JSON: BigInt and cycles fail), keyv 6 in `serialization.stringify` (BigInt encodes, cycles fail);
 * without one (serialization off) Keyv keeps values as they are, and everything is storable.
 */
export function encodingFailure(keyv: KeyvInstance, value: unknown): { error: unknown } | undefined {
  const target = keyv as unknown as { serialize?: unknown; serialization?: unknown }
  try {
    if (typeof target.serialize === 'function') {
      target.serialize({ value, expires: undefined })
    } else if (isRecord(target.serialization) && typeof target.serialization.stringify === 'function') {
      target.serialization.stringify({ value, expires: undefined })
    }
    return undefined
  } catch (error) {
    return { error }
  }
}

/** Connection state of the node-redis client under `@keyv/redis` (5 or 6), when that is the adapter. */
export interface ClientState {
  /** Connected, or connecting / reconnecting. */
  isOpen: boolean
  /** Connected and answering. */
  isReady: boolean
}

export function redisClientState(keyv: KeyvInstance): ClientState | undefined {
  const adapter = keyv.store
  if (!isRecord(adapter) || !isRecord(adapter.client)) return undefined
  const { isOpen, isReady } = adapter.client
  return typeof isOpen === 'boolean' && typeof isReady === 'boolean' ? { isOpen, isReady } : undefined
}
