// swrMany: many keys answered in order. Hits come from the tiers in one batched read; every miss goes to one
// queryFn call that answers in the same order; stale keys are served at once and refreshed in the background by
// bulk calls of bounded size; a key another call is already loading joins that load; a failed bulk load falls back
// per key to its grace entry. Every swr rule holds per key, the fleet's lease included.

import { noteFleet, traceLoad } from './diagnostics.js'
import { toMs } from './duration.js'
import { type EntryPolicy, makeEntry, withChosen } from './entry-policy.js'
import { CacheClosedError } from './errors.js'
import { NO_LOCK } from './lease.js'
import { ManyLoadContext } from './load-context.js'
import { runQuery, SOFT_TIMEOUT, waitFor } from './load-runner.js'
import { ORIGINAL_KEY, type ScopedMany } from './namespace.js'
import { toKey } from './query-key.js'
import type { Found } from './read-path.js'
import type { Flight } from './singleflight.js'
import type { CacheInternals, LoadCall } from './tiered-cache.js'
import type {
  CacheEntry,
  ManyQueryFunctionContext,
  QueryFunctionContext,
  QueryKey,
  SwrManyOptions,
} from './types.js'

/** The most keys one background refresh asks queryFn for. */
export const MAX_REFRESH_BATCH = 100
const NOTHING_FOUND: Found = { entry: undefined, index: -1, grace: undefined, graceIndex: -1 }
const ignore = (): void => {}

type Token = string | undefined | typeof NO_LOCK
/** Given the flights of the keys (registered as their loads), one promise per key, in order. */
type Plan = (flights: readonly Flight[]) => Promise<readonly Promise<unknown>[]>

export async function swrMany<T>(
  engine: CacheInternals,
  options: SwrManyOptions<T>,
): Promise<(T | undefined)[]> {
  if (engine.closed()) throw new CacheClosedError()
  if (typeof options?.queryFn !== 'function') throw new TypeError('queryFn must be a function')
  if (!Array.isArray(options.queryKeys)) throw new TypeError('queryKeys must be an array of query keys')
  const keys = options.queryKeys.map((queryKey) => toKey(queryKey))
  const policy = engine.policies.resolve(options)
  const timeoutMs = options.timeout === undefined ? undefined : toMs(options.timeout, 'timeout')
  if (timeoutMs !== undefined && timeoutMs <= 0) throw new RangeError('timeout must be greater than 0')
  const softMs = options.softTimeout === undefined ? undefined : toMs(options.softTimeout, 'softTimeout')
  const given = (options as ScopedMany)[ORIGINAL_KEY] ?? options.queryKeys
  // A key asked for twice is read and loaded once.
  const unique: string[] = []
  const queryKeyOf = new Map<string, QueryKey>()
  keys.forEach((key, i) => {
    if (queryKeyOf.has(key)) return
    queryKeyOf.set(key, given[i] as QueryKey)
    unique.push(key)
  })

  // Every key's scan starts in this tick, so each tier that is not synchronous gets one getMany for all of them.
  // Hits in a synchronous tier (memory) are answered in place: only a page with keys to read below awaits.
  let waiting = false
  const scans = unique.map((key) => {
    const scan = options.forceFresh === true ? NOTHING_FOUND : engine.find(key, options.schema, true)
    if (scan instanceof Promise) waiting = true
    return scan
  })
  const found = waiting ? await Promise.all(scans) : (scans as Found[])
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
  const loading = new Map<string, Promise<unknown>>()
  const own: string[] = []
  for (const { key } of missing) {
    if (engine.loads.has(key)) loading.set(key, engine.loads.do(key, ignore))
    else own.push(key)
  }
  const plan: Plan = (flights) => planLoad(engine, options, policy, own, queryKeyOf, flights)
  for (const [key, load] of together(engine, own, plan)) loading.set(key, load)

  if (missing.length === 0) return keys.map((key) => values.get(key))
  const started = new Set(own)
  let failure: { error: unknown } | undefined
  await Promise.all(
    missing.map(async ({ key, found: near }) => {
      const load = loading.get(key) as Promise<unknown>
      const grace = near.grace
      // As in swr: softTimeout serves an entry within grace; a key that joined another call's load keeps this
      // call's own timeout (the load this call started carries it).
      const soft = grace === undefined ? undefined : softMs
      const hard = started.has(key) ? undefined : timeoutMs
      try {
        const outcome =
          soft === undefined && hard === undefined
            ? await load
            : await waitFor(load, key, soft, hard, engine.loads.flight(key))
        if (outcome !== SOFT_TIMEOUT) {
          values.set(key, outcome as T | undefined)
          return
        }
        // The load goes on and still writes its result; if it fails, nobody is waiting, so report it.
        load.catch((error: unknown) => engine.report(error, key))
      } catch (error) {
        if (grace === undefined || engine.now() >= grace.graceUntil || engine.closed()) {
          failure ??= { error }
          return
        }
        engine.report(error, key)
      }
      engine.countHit(key, near.graceIndex, 'grace')
      values.set(key, (grace as CacheEntry).value as T)
    }),
  )
  if (failure !== undefined) throw failure.error
  return keys.map((key) => values.get(key))
}

/**
 * Registers each of `keys` as that key's load, so that other calls (swr or swrMany) join it, and runs `plan` once
 * for all of them; gives each key's promise.
 */
function together(
  engine: CacheInternals,
  keys: readonly string[],
  plan: Plan,
): Map<string, Promise<unknown>> {
  const loads = new Map<string, Promise<unknown>>()
  const flights: Flight[] = []
  let planned: Promise<readonly Promise<unknown>[]> | undefined
  keys.forEach((key, i) => {
    loads.set(
      key,
      engine.loads.do(key, (flight) => {
        flights[i] = flight
        // Every key's flight is registered before the plan starts.
        return Promise.resolve()
          .then(() => {
            planned ??= plan(flights)
            return planned
          })
          .then((each) => each[i])
      }),
    )
  })
  return loads
}

/**
 * The load of missing keys. With a lock, each key's lease is tried at once without waiting: the keys this process
 * holds are loaded in one queryFn call; each key held elsewhere waits for its holder's value as swr does.
 */
async function planLoad<T>(
  engine: CacheInternals,
  options: SwrManyOptions<T>,
  policy: EntryPolicy,
  keys: readonly string[],
  queryKeyOf: ReadonlyMap<string, QueryKey>,
  flights: readonly Flight[],
): Promise<readonly Promise<unknown>[]> {
  const lease = engine.lease
  if (lease === undefined || options.forceFresh === true) {
    return spread(runBulk(engine, options, policy, keys, queryKeyOf, flights, false), keys.length)
  }
  const tokens = await Promise.all(keys.map((key) => lease.acquire(key, engine.leaseTtl(options))))
  const each = loadHeld(engine, options, policy, keys, queryKeyOf, flights, tokens, keys.length)
  keys.forEach((key, i) => {
    if (tokens[i] !== undefined) return
    each[i] = engine.loadHeldElsewhere(
      key,
      oneKeyCall(options, key, queryKeyOf),
      policy,
      flights[i] as Flight,
    )
  })
  return each
}

/**
 * Refreshes stale keys: each first from the tiers below the one that answered (another process may have refreshed
 * it already), then the rest by queryFn calls of at most MAX_REFRESH_BATCH keys, each key only while this process
 * gets its lease without waiting (one refresh per fleet). Failures are reported; the stale entries stay.
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
  const keys = due.map(({ key }) => key)
  const plan: Plan = async (flights) => {
    const below = await Promise.all(
      due.map(({ key, index }, i) =>
        index + 1 < engine.tiers.length
          ? engine.reader.scan(key, index + 1, flights[i], options.schema, undefined, true)
          : NOTHING_FOUND,
      ),
    )
    const now = engine.now()
    const each: Promise<unknown>[] = []
    const reload: number[] = []
    below.forEach(({ entry }, i) => {
      if (entry !== undefined && now < entry.freshUntil) each[i] = Promise.resolve(entry.value)
      else reload.push(i)
    })
    const lease = engine.lease
    const tokens: Token[] =
      lease === undefined
        ? reload.map(() => NO_LOCK)
        : await Promise.all(reload.map((i) => lease.acquire(keys[i] as string, engine.leaseTtl(options))))
    // A key whose lease another process holds is refreshed there.
    const held = reload.filter((_, j) => tokens[j] !== undefined)
    const heldTokens = tokens.filter((token) => token !== undefined)
    for (let start = 0; start < held.length; start += MAX_REFRESH_BATCH) {
      const chunk = held.slice(start, start + MAX_REFRESH_BATCH)
      const loads = loadHeld(
        engine,
        options,
        policy,
        chunk.map((i) => keys[i] as string),
        queryKeyOf,
        chunk.map((i) => flights[i] as Flight),
        heldTokens.slice(start, start + MAX_REFRESH_BATCH),
        chunk.length,
        true,
      )
      chunk.forEach((i, j) => {
        each[i] = loads[j] as Promise<unknown>
      })
    }
    for (let i = 0; i < keys.length; i++) each[i] ??= Promise.resolve(undefined)
    return each
  }
  for (const load of together(engine, keys, plan).values()) load.catch(ignore)
}

/**
 * One queryFn call for the keys whose token is not undefined (this process holds their lease, or the lock failed),
 * releasing each lease once the values are written. Gives a promise at each of their positions.
 */
function loadHeld<T>(
  engine: CacheInternals,
  options: SwrManyOptions<T>,
  policy: EntryPolicy,
  keys: readonly string[],
  queryKeyOf: ReadonlyMap<string, QueryKey>,
  flights: readonly Flight[],
  tokens: readonly Token[],
  size: number,
  background = false,
): Promise<unknown>[] {
  const each: Promise<unknown>[] = new Array(size)
  const mine: number[] = []
  tokens.forEach((token, i) => {
    if (token !== undefined) mine.push(i)
  })
  if (mine.length === 0) return each
  const bulk = runBulk(
    engine,
    options,
    policy,
    mine.map((i) => keys[i] as string),
    queryKeyOf,
    mine.map((i) => flights[i] as Flight),
    background,
    mine.some((i) => typeof tokens[i] === 'string'),
  )
  const lease = engine.lease
  const release = () => {
    for (const i of mine) {
      const token = tokens[i]
      if (typeof token === 'string') lease?.release(keys[i] as string, token)
    }
  }
  bulk.then(release, (error: unknown) => {
    release()
    if (background) engine.report(error, keys[mine[0] as number])
  })
  mine.forEach((i, j) => {
    each[i] = bulk.then((values) => values[j])
  })
  return each
}

function spread(bulk: Promise<readonly unknown[]>, size: number): Promise<unknown>[] {
  return Array.from({ length: size }, (_, i) => bulk.then((values) => values[i]))
}

/** swr's form of a load of one key, for a key that waits for another process: queryFn asked for that key alone. */
function oneKeyCall<T>(
  options: SwrManyOptions<T>,
  key: string,
  queryKeyOf: ReadonlyMap<string, QueryKey>,
): LoadCall<T | undefined> {
  const queryKey = queryKeyOf.get(key) as QueryKey
  return {
    queryKey,
    timeout: options.timeout,
    schema: options.schema,
    queryFn: async (context: QueryFunctionContext) => {
      const many: ManyQueryFunctionContext = {
        get signal() {
          return context.signal
        },
        queryKeys: [context.queryKey],
        keys: [context.key],
        setOptions: context.setOptions,
      }
      return checkAnswer<T>(await options.queryFn(many), 1)[0]
    },
  }
}

function checkAnswer<T>(answer: unknown, size: number): readonly (T | undefined)[] {
  if (!Array.isArray(answer) || answer.length !== size) {
    throw new TypeError(
      `swrMany's queryFn must return an array of ${size} values in the order of queryKeys ` +
        `(undefined for a key with nothing to cache), got ${Array.isArray(answer) ? `${answer.length} values` : answer === null ? 'null' : typeof answer}`,
    )
  }
  return answer
}

/** One queryFn call for `keys`, traced as one load; `holder` when this process holds the keys' leases. */
function runBulk<T>(
  engine: CacheInternals,
  options: SwrManyOptions<T>,
  policy: EntryPolicy,
  keys: readonly string[],
  queryKeyOf: ReadonlyMap<string, QueryKey>,
  flights: readonly Flight[],
  background: boolean,
  holder = false,
): Promise<readonly (T | undefined)[]> {
  return traceLoad(engine.name, keys, background, flights, () => {
    if (holder) noteFleet('holder')
    return loadBulk(engine, options, policy, keys, queryKeyOf, flights, background)
  })
}

/** One queryFn call for `keys`; each value is written under its own key unless an invalidation superseded it. */
async function loadBulk<T>(
  engine: CacheInternals,
  options: SwrManyOptions<T>,
  policy: EntryPolicy,
  keys: readonly string[],
  queryKeyOf: ReadonlyMap<string, QueryKey>,
  flights: readonly Flight[],
  background: boolean,
): Promise<readonly (T | undefined)[]> {
  if (engine.closed()) throw new CacheClosedError()
  const context = new ManyLoadContext(
    keys.map((key) => queryKeyOf.get(key) as QueryKey),
    keys,
  )
  engine.running.add(context)
  engine.loadCount(1, 0)
  const started = performance.now()
  const createdAt = engine.created()
  try {
    const timeoutMs = options.timeout === undefined ? undefined : toMs(options.timeout, 'timeout')
    const answer = checkAnswer<T>(await runQuery(options.queryFn, context, timeoutMs), keys.length)
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
    engine.loaded(keys, performance.now() - started, background, undefined)
    return answer
  } catch (error) {
    engine.loadCount(0, 1)
    engine.loaded(keys, performance.now() - started, background, error)
    throw error
  } finally {
    engine.running.delete(context)
  }
}
