// swrMany: many keys answered in order. Hits come from the tiers in one batched read; every miss goes to one
// queryFn call that answers in the same order; stale keys are served at once and refreshed in the background by
// bulk calls of bounded size; a key another call is already loading joins that load; a failed bulk load falls back
// per key to its grace entry. Every swr rule holds per key.

import { toMs } from './duration.js'
import { type EntryPolicy, makeEntry, withChosen } from './entry-policy.js'
import { CacheClosedError } from './errors.js'
import { ManyLoadContext } from './load-context.js'
import { runQuery } from './load-runner.js'
import { ORIGINAL_KEY, type ScopedMany } from './namespace.js'
import { toKey } from './query-key.js'
import type { Found } from './read-path.js'
import type { Flight } from './singleflight.js'
import type { CacheInternals } from './tiered-cache.js'
import type { QueryKey, SwrManyOptions } from './types.js'

/** The most keys one background refresh asks queryFn for. */
const MAX_REFRESH_BATCH = 100
const NOTHING_FOUND: Found = { entry: undefined, index: -1, grace: undefined, graceIndex: -1 }
const ignore = (): void => {}

export async function swrMany<T>(
  engine: CacheInternals,
  options: SwrManyOptions<T>,
): Promise<(T | undefined)[]> {
  if (engine.closed()) throw new CacheClosedError()
  if (typeof options?.queryFn !== 'function') throw new TypeError('queryFn must be a function')
  if (!Array.isArray(options.queryKeys)) throw new TypeError('queryKeys must be an array of query keys')
  const keys = options.queryKeys.map((queryKey) => toKey(queryKey))
  const policy = engine.policies.resolve(options)
  if (options.timeout !== undefined && toMs(options.timeout, 'timeout') <= 0) {
    throw new RangeError('timeout must be greater than 0')
  }
  const given = (options as ScopedMany)[ORIGINAL_KEY] ?? options.queryKeys
  // A key asked for twice is read and loaded once.
  const unique: string[] = []
  const queryKeyOf = new Map<string, QueryKey>()
  keys.forEach((key, i) => {
    if (queryKeyOf.has(key)) return
    queryKeyOf.set(key, given[i] as QueryKey)
    unique.push(key)
  })

  // Every key's scan starts in this tick, so the reads of a remote tier go out together.
  const found = await Promise.all(
    unique.map((key) => (options.forceFresh === true ? NOTHING_FOUND : engine.find(key, options.schema))),
  )
  const values = new Map<string, T | undefined>()
  const stale: { key: string; index: number }[] = []
  const missing: { key: string; found: Found }[] = []
  const now = engine.now()
  unique.forEach((key, i) => {
    const near = found[i] as Found
    const entry = near.entry
    if (entry === undefined) {
      if (options.forceFresh !== true) engine.miss(key)
      missing.push({ key, found: near })
      return
    }
    values.set(key, entry.value as T)
    if (now < entry.freshUntil) {
      engine.countHit(key, near.index, 'fresh')
      return
    }
    engine.countHit(key, near.index, 'stale')
    stale.push({ key, index: near.index })
  })

  refreshInBackground(engine, options, policy, stale, queryKeyOf)

  // Keys another call is already loading join that load; the rest go to one queryFn call.
  const fresh = missing.filter(({ key }) => !engine.loads.has(key))
  const loading = new Map<string, Promise<unknown>>()
  for (const { key } of missing) {
    if (engine.loads.has(key))
      loading.set(
        key,
        engine.loads.do(key, () => undefined),
      )
  }
  for (const [key, load] of loadTogether(
    engine,
    options,
    policy,
    fresh.map(({ key }) => key),
    queryKeyOf,
  )) {
    loading.set(key, load)
  }
  let failure: { error: unknown } | undefined
  await Promise.all(
    missing.map(async ({ key, found: near }) => {
      try {
        values.set(key, (await loading.get(key)) as T | undefined)
      } catch (error) {
        const grace = near.grace
        if (grace !== undefined && engine.now() < grace.graceUntil) {
          engine.report(error, key)
          engine.countHit(key, near.graceIndex, 'stale')
          values.set(key, grace.value as T)
          return
        }
        failure ??= { error }
      }
    }),
  )
  if (failure !== undefined) throw failure.error
  return keys.map((key) => values.get(key))
}

/**
 * Starts one queryFn call for `keys`, each registered as the key's load so that other calls join it; gives each
 * key's promise. Each value is written under its own key unless an invalidation superseded that key meanwhile.
 */
function loadTogether<T>(
  engine: CacheInternals,
  options: SwrManyOptions<T>,
  policy: EntryPolicy,
  keys: readonly string[],
  queryKeyOf: ReadonlyMap<string, QueryKey>,
): Map<string, Promise<unknown>> {
  const loads = new Map<string, Promise<unknown>>()
  if (keys.length === 0) return loads
  const flights: Flight[] = []
  let answer: Promise<readonly (T | undefined)[]> | undefined
  const bulk = () => {
    answer ??= runBulk(engine, options, policy, keys, queryKeyOf, flights)
    return answer
  }
  keys.forEach((key, i) => {
    loads.set(
      key,
      engine.loads.do(key, (flight) => {
        flights[i] = flight
        return Promise.resolve()
          .then(bulk)
          .then((values) => values[i])
      }),
    )
  })
  return loads
}

async function runBulk<T>(
  engine: CacheInternals,
  options: SwrManyOptions<T>,
  policy: EntryPolicy,
  keys: readonly string[],
  queryKeyOf: ReadonlyMap<string, QueryKey>,
  flights: readonly Flight[],
): Promise<readonly (T | undefined)[]> {
  if (engine.closed()) throw new CacheClosedError()
  const context = new ManyLoadContext(
    keys.map((key) => queryKeyOf.get(key) as QueryKey),
    keys,
  )
  engine.running.add(context)
  engine.loadCount(1, 0)
  const createdAt = engine.created()
  try {
    const timeoutMs = options.timeout === undefined ? undefined : toMs(options.timeout, 'timeout')
    const answer = await runQuery(options.queryFn, context, timeoutMs)
    if (!Array.isArray(answer) || answer.length !== keys.length) {
      throw new TypeError(
        `swrMany's queryFn must return an array of ${keys.length} values in the order of queryKeys ` +
          `(undefined for a key with nothing to cache), got ${Array.isArray(answer) ? `${answer.length} values` : typeof answer}`,
      )
    }
    for (const flight of flights) (flight as { loaded?: boolean }).loaded = true
    const chosen = context.chosen === undefined ? policy : withChosen(policy, context.chosen, engine.defaults)
    const now = engine.now()
    const writes: Promise<unknown>[] = []
    answer.forEach((value, i) => {
      if (value === undefined || flights[i]?.forgotten === true || engine.closed()) return
      const written = engine.write(
        keys[i] as string,
        makeEntry(value, chosen, createdAt, now, engine.defaults.tagTtl),
        now,
      )
      if (written !== undefined) writes.push(written)
    })
    await Promise.all(writes)
    return answer
  } catch (error) {
    engine.loadCount(0, 1)
    throw error
  } finally {
    engine.running.delete(context)
  }
}

/**
 * Refreshes stale keys in the background: each first from the tiers below the one that answered (another process
 * may have refreshed it), the rest by queryFn calls of at most MAX_REFRESH_BATCH keys. Failures are reported.
 */
function refreshInBackground<T>(
  engine: CacheInternals,
  options: SwrManyOptions<T>,
  policy: EntryPolicy,
  stale: readonly { key: string; index: number }[],
  queryKeyOf: ReadonlyMap<string, QueryKey>,
): void {
  const due = stale.filter(({ key }) => !engine.loads.has(key))
  if (due.length === 0) return
  const refresh = async () => {
    const below = await Promise.all(
      due.map(({ key, index }) =>
        index + 1 < engine.tiers.length
          ? engine.reader.scan(key, index + 1, undefined, options.schema)
          : NOTHING_FOUND,
      ),
    )
    const now = engine.now()
    const reload = due
      .filter((_, i) => {
        const entry = (below[i] as Found).entry
        return entry === undefined || now >= entry.freshUntil
      })
      .map(({ key }) => key)
      .filter((key) => !engine.loads.has(key))
    for (let start = 0; start < reload.length; start += MAX_REFRESH_BATCH) {
      const chunk = reload.slice(start, start + MAX_REFRESH_BATCH)
      const loads = loadTogether(engine, options, policy, chunk, queryKeyOf)
      const first = loads.values().next().value as Promise<unknown>
      first.catch((error: unknown) => engine.report(error, chunk[0]))
      for (const load of loads.values()) load.catch(ignore)
    }
  }
  refresh().catch((error: unknown) => engine.report(error, due[0]?.key))
}
