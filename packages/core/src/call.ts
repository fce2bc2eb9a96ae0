// One swr or swrMany call, checked once and resolved into what the per-key flow and the loads run on. A bad
// argument is thrown here, before anything is read or written.

import { toMs } from './duration.js'
import type { EntryPolicy, Policies } from './entry-policy.js'
import type { LoadFlight } from './flights.js'
import { type AbortableLoad, LoadContext, ManyLoadContext, staleValue } from './load-context.js'
import { ORIGINAL_KEY, type Scoped, type ScopedMany } from './namespace.js'
import type { CallDefaults } from './options.js'
import { toKey } from './query-key.js'
import type { StandardSchemaV1 } from './standard-schema.js'
import type { LoadCallOptions, QueryFunction, QueryKey, SwrManyOptions, SwrOptions } from './types.js'

/**
 * The checks every swr and swrMany call makes before anything is read (the entry's durations are checked by its
 * policy). Allocates nothing: swr runs it on the hot path. Throws on bad input.
 */
export function checkLoadOptions(options: LoadCallOptions & { queryFn?: unknown }): void {
  if (typeof options?.queryFn !== 'function') throw new TypeError('queryFn must be a function')
  if (options.timeout !== undefined && toMs(options.timeout, 'timeout') <= 0)
    throw new RangeError('timeout must be greater than 0')
  if (options.softTimeout !== undefined) toMs(options.softTimeout, 'softTimeout')
  if (options.failureBackoff !== undefined && toMs(options.failureBackoff, 'failureBackoff') < 0)
    throw new RangeError('failureBackoff must not be negative')
}

function msOrUndefined(duration: LoadCallOptions['timeout'], option: string): number | undefined {
  return duration === undefined ? undefined : toMs(duration, option)
}

/**
 * One swr or swrMany call as the per-key flow and the loads see it: the policy and the durations, resolved once
 * checkLoadOptions passed, and how to call queryFn.
 */
export abstract class Call {
  readonly policy: EntryPolicy
  readonly schema: StandardSchemaV1 | undefined
  /** The call's `timeout`: its own load is aborted after it; a caller who joined another's load stops waiting. */
  readonly timeoutMs: number | undefined
  /** The call's `softTimeout`: with an entry within grace at hand, a slower load serves that entry. */
  readonly softMs: number | undefined
  readonly forceFresh: boolean
  /** How long after a load failed and was answered from grace the key serves that entry without loading. */
  readonly backoffMs: number

  constructor(
    options: LoadCallOptions & { schema?: StandardSchemaV1 },
    policy: EntryPolicy,
    defaults: CallDefaults,
  ) {
    this.policy = policy
    this.schema = options.schema
    // The cache's defaultTimeout / defaultSoftTimeout / failureBackoff hold where the call sets none of its own.
    this.timeoutMs = msOrUndefined(options.timeout, 'timeout') ?? defaults.timeoutMs
    this.softMs = msOrUndefined(options.softTimeout, 'softTimeout') ?? defaults.softMs
    this.forceFresh = options.forceFresh === true
    this.backoffMs =
      options.failureBackoff === undefined
        ? defaults.backoffMs
        : toMs(options.failureBackoff, 'failureBackoff')
  }

  /** The context of one queryFn call for `keys` (whose `flights` carry what each load refreshes), and the call. */
  abstract invoke(
    keys: readonly string[],
    flights: readonly LoadFlight[],
  ): {
    context: AbortableLoad
    run: (context: AbortableLoad) => unknown
  }
  abstract values(answer: unknown, size: number): readonly unknown[]
}

/** swr's call for one key, once its options were checked and its policy resolved. One object, no closures. */
export class OneKeyCall extends Call {
  readonly #options: SwrOptions<unknown>
  readonly #key: string

  constructor(options: SwrOptions<unknown>, key: string, policy: EntryPolicy, defaults: CallDefaults) {
    super(options, policy, defaults)
    this.#options = options
    this.#key = key
  }

  invoke(
    _keys: readonly string[],
    flights: readonly LoadFlight[],
  ): { context: AbortableLoad; run: (context: AbortableLoad) => unknown } {
    const options = this.#options
    return {
      context: new LoadContext(
        (options as Scoped)[ORIGINAL_KEY] ?? options.queryKey,
        this.#key,
        staleValue((flights[0] as LoadFlight).stale),
      ),
      run: options.queryFn as QueryFunction<unknown> as unknown as (context: AbortableLoad) => unknown,
    }
  }

  values(answer: unknown): readonly unknown[] {
    return [answer]
  }
}

/** swrMany's call: its keys in order, each once. */
export class ManyKeyCall extends Call {
  readonly keys: readonly string[]
  /** The keys without repeats: a key asked for twice is read and loaded once. */
  readonly unique: readonly string[]
  readonly #queryKeyOf: ReadonlyMap<string, QueryKey>
  readonly #queryFn: SwrManyOptions<unknown>['queryFn']

  /** Checks the options; throws on bad input. */
  constructor(options: SwrManyOptions<unknown>, policies: Policies, defaults: CallDefaults) {
    checkLoadOptions(options)
    if (!Array.isArray(options.queryKeys)) throw new TypeError('queryKeys must be an array of query keys')
    const keys = options.queryKeys.map((queryKey) => toKey(queryKey))
    super(options, policies.resolve(options), defaults)
    const given = (options as ScopedMany)[ORIGINAL_KEY] ?? options.queryKeys
    const unique: string[] = []
    const queryKeyOf = new Map<string, QueryKey>()
    keys.forEach((key, i) => {
      if (queryKeyOf.has(key)) return
      queryKeyOf.set(key, given[i] as QueryKey)
      unique.push(key)
    })
    this.keys = keys
    this.unique = unique
    this.#queryKeyOf = queryKeyOf
    this.#queryFn = options.queryFn
  }

  invoke(
    keys: readonly string[],
    flights: readonly LoadFlight[],
  ): { context: AbortableLoad; run: (context: AbortableLoad) => unknown } {
    return {
      context: new ManyLoadContext(
        keys.map((key) => this.#queryKeyOf.get(key) as QueryKey),
        keys,
        flights.map((flight) => staleValue(flight.stale)),
      ),
      run: this.#queryFn as unknown as (context: AbortableLoad) => unknown,
    }
  }

  values(answer: unknown, size: number): readonly unknown[] {
    return checkAnswer(answer, size)
  }
}

function checkAnswer(answer: unknown, size: number): readonly unknown[] {
  if (!Array.isArray(answer) || answer.length !== size) {
    throw new TypeError(
      `swrMany's queryFn must return an array of ${size} values in the order of queryKeys ` +
        `(undefined for a key with nothing to cache), got ${Array.isArray(answer) ? `${answer.length} values` : answer === null ? 'null' : typeof answer}`,
    )
  }
  return answer
}
