// @tiered/core: the store contract, TieredCache, swr and Singleflight, and the codec remote stores share.

export type { CircuitBreakerOptions, CircuitState, CircuitStats } from './circuit-breaker.js'
export {
  type Compression,
  type CompressionAlgorithm,
  type CompressionOptions,
  isCompressed,
  withCompression,
} from './codec/compression.js'
export {
  type BufferCodec,
  customCodec,
  type EntryCodec,
  type EntrySerializer,
  jsonCodec,
  type TextCodec,
  v8Codec,
} from './codec/entry-codec.js'
export { parseJsonWithoutPrototypes, stripPrototypeKeys } from './codec/proto-guard.js'
export {
  type AnswerState,
  type BusNoticeMessage,
  type CacheOperation,
  type CircuitMessage,
  DiagnosticChannels,
  type FleetRole,
  type LoadMessage,
  type LoadOutcome,
  type OperationMessage,
  type StoreMessage,
  type StoreMethod,
} from './diagnostics.js'
export { parseDuration } from './duration.js'
export { cacheEntryProblem, isCacheEntry } from './entry-shape.js'
export {
  CacheClosedError,
  CacheFleetError,
  CacheSerializationError,
  CacheStoreError,
  CacheTimeoutError,
  CacheValidationError,
  CircuitOpenError,
  CompressionUnavailableError,
  type ErrorCode,
  ErrorCodes,
  hasErrorCode,
  type StoreOperation,
  StoreTimeoutError,
} from './errors.js'
export type { CacheEventName, CacheEvents, CacheListener, CircuitPart } from './events.js'
export { FOREVER } from './forever.js'
export { CacheNamespace } from './namespace.js'
export type { TieredCacheOptions } from './options.js'
export { toKey } from './query-key.js'
export { type Flight, Singleflight } from './singleflight.js'
export type { StandardSchemaV1 } from './standard-schema.js'
export { assertStorable } from './storable.js'
export { type StandaloneSwrOptions, swr } from './swr.js'
export { PROBE_KEY, type TierStats } from './tier.js'
export { type CacheStats, TieredCache } from './tiered-cache.js'
export type {
  BusHandlers,
  BusMessage,
  CacheBus,
  CacheEntry,
  CacheLock,
  CacheStore,
  Duration,
  EntryOptions,
  HeldLease,
  LoadCallOptions,
  LoadOptions,
  ManyQueryFunction,
  ManyQueryFunctionContext,
  MaybePromise,
  QueryFunction,
  QueryFunctionContext,
  QueryKey,
  StaleValue,
  StoreWrite,
  SwrManyOptions,
  SwrOptions,
} from './types.js'
