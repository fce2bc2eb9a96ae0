// Loads with the fleet's lease protocol, for one key (swr) and many (swrMany) alike: each key's load is registered
// as its flight, the lease is taken per key, the keys this process holds go to one queryFn call, their values are
// written with the lease released right behind the write, and the write is announced on the bus. A key whose lease
// another process holds waits for that holder's value.

import type { Call } from './call.js'
import { loadTraced, noteFleet, traceLoad } from './diagnostics.js'
import type { EngineParts } from './engine-parts.js'
import { makeEntry, withChosen } from './entry-policy.js'
import { CacheClosedError, CacheTimeoutError } from './errors.js'
import type { CacheEvents } from './events.js'
import { type FlightKind, HELD_ELSEWHERE, type LoadFlight } from './flights.js'
import { NO_LOCK } from './lease.js'
import { runQuery } from './load-runner.js'
import { type Found, NOTHING_FOUND } from './read-path.js'
import type { StandardSchemaV1 } from './standard-schema.js'
import type { LeaseHandoff } from './tier.js'
import type { CacheEntry } from './types.js'
import { writeTiers } from './write-path.js'

/** The most keys one background refresh asks queryFn for. */
export const MAX_REFRESH_BATCH = 100
/** How often a process that waits for another's lease reads the shared tiers when no bus announces the value. */
const LEASE_POLL_MS = 50
/** With a bus, how often a waiter checks whether the lease lapsed (its holder died). */
const LEASE_RETRY_MS = 250
const MISSING: unique symbol = Symbol('missing')

/** A key's lease: a token, NO_LOCK (no lock, or it failed: load alone), or undefined (held elsewhere). */
type Token = string | undefined | typeof NO_LOCK

/** The keys of one queryFn call. */
interface Batch {
  keys: readonly string[]
  /** Each key's flight, in order. */
  flights: readonly LoadFlight[]
  /** Each key's lease, in order; absent: no lease to release. */
  tokens?: readonly Token[]
  /** A background refresh: its failure is reported, nobody waits for it. */
  background?: boolean
}

/** A stale key, the tier that answered it and its entry (the refresh's `ctx.stale`). */
export interface StaleKey {
  key: string
  index: number
  entry: CacheEntry
}

export class Loads {
  readonly #parts: EngineParts

  constructor(parts: EngineParts) {
    this.#parts = parts
  }

  /**
   * Starts the loads of `keys` (that no running load may serve): one flight per key, registered before any of them
   * runs, so that other calls join them; one queryFn call for the keys this process may load. `stale`: each key's
   * entry within grace, if any (its `ctx.stale`).
   */
  load(call: Call, keys: readonly string[], stale: readonly (CacheEntry | undefined)[]): LoadFlight[] {
    const kind: FlightKind = { refresh: false, fresh: call.forceFresh, tags: call.policy.tags }
    if (keys.length === 1 && this.#parts.lease === undefined && !call.forceFresh) {
      // The common miss, one key and no lock: straight to the loader.
      const key = keys[0] as string
      return [
        this.#parts.flights.start(
          key,
          kind,
          (flight) =>
            traceLoad(this.#parts.name, key, false, flight, () =>
              this.#runBulk(call, { keys, flights: [flight] }).then(first),
            ),
          stale[0],
        ),
      ]
    }
    return this.#together(keys, kind, stale, (flights) => this.#planLoad(call, keys, flights))
  }

  /**
   * Refreshes stale keys in the background: each first from the tiers below the one that answered (another
   * process may have refreshed it already), then by queryFn calls of at most MAX_REFRESH_BATCH keys, each key only
   * while this process gets its lease without waiting (one refresh per fleet). Failures are reported; the stale
   * entries stay.
   */
  refresh(call: Call, stale: readonly StaleKey[]): void {
    const flights = this.#parts.flights
    const due = stale.filter(({ key }) => !flights.has(key))
    if (due.length === 0) return
    const kind: FlightKind = { refresh: true, fresh: false, tags: call.policy.tags }
    this.#together(
      due.map(({ key }) => key),
      kind,
      due.map(({ entry }) => entry),
      (started) => this.#planRefresh(call, due, started),
    )
  }

  /**
   * A load of `key` whose lease another process was found holding: waits for the holder's value, and takes the
   * lease itself when it ends with no value. `stale`: what the load would refresh or replace.
   */
  waitForHolder(call: Call, key: string, stale: CacheEntry | undefined): LoadFlight {
    const kind: FlightKind = { refresh: false, fresh: false, tags: call.policy.tags }
    const asked = performance.now()
    return this.#parts.flights.start(
      key,
      kind,
      (flight) =>
        traceLoad(this.#parts.name, key, false, flight, () => this.#loadAsWaiter(call, key, flight, asked)),
      stale,
    )
  }

  /** Registers a flight per key, then runs `plan` once for all of them; each flight settles with its key's value. */
  #together(
    keys: readonly string[],
    kind: FlightKind,
    stale: readonly (CacheEntry | undefined)[],
    plan: (flights: readonly LoadFlight[]) => Promise<readonly Promise<unknown>[]>,
  ): LoadFlight[] {
    const flights = this.#parts.flights
    if (keys.length === 1) {
      const key = keys[0] as string
      return [
        flights.start(
          key,
          kind,
          (flight) =>
            traceLoad(this.#parts.name, key, kind.refresh, flight, () => plan([flight]).then(first)),
          stale[0],
        ),
      ]
    }
    const started: LoadFlight[] = []
    let planned: Promise<readonly Promise<unknown>[]> | undefined
    keys.forEach((key, i) => {
      started.push(
        // Every key's flight is registered before the plan starts.
        flights.start(
          key,
          kind,
          () =>
            Promise.resolve()
              .then(() => {
                planned ??= this.#tracedPlan(keys, kind.refresh, started, plan)
                return planned
              })
              .then((each) => each[i]),
          stale[i],
        ),
      )
    })
    return started
  }

  /**
   * The plan of a load of many keys, traced as one load while somebody subscribes: it ends once every key's value
   * settled.
   */
  #tracedPlan(
    keys: readonly string[],
    background: boolean,
    flights: readonly LoadFlight[],
    plan: (flights: readonly LoadFlight[]) => Promise<readonly Promise<unknown>[]>,
  ): Promise<readonly Promise<unknown>[]> {
    if (!loadTraced()) return plan(flights)
    let each: readonly Promise<unknown>[] = []
    const whole = traceLoad(this.#parts.name, keys, background, flights, async () => {
      each = await plan(flights)
      return Promise.all(each)
    })
    // Each key's promise carries its own value or failure; the plan's own failure rejects them all.
    return whole.then(
      () => each,
      (error: unknown) => (each.length === keys.length ? each : Promise.reject(error)),
    )
  }

  /**
   * The load of missing keys. With a lock, each key's lease is tried at once without waiting: the keys this process
   * holds are loaded in one queryFn call; each key held elsewhere waits for its holder's value. forceFresh takes no
   * lease.
   */
  async #planLoad(
    call: Call,
    keys: readonly string[],
    flights: readonly LoadFlight[],
  ): Promise<readonly Promise<unknown>[]> {
    const lease = this.#parts.lease
    if (call.forceFresh) {
      // forceFresh calls made in this tick join this load before it calls queryFn; later ones start their own.
      await undefined
      return this.#run(call, { keys, flights })
    }
    if (lease === undefined) return this.#run(call, { keys, flights })
    const ttl = this.#leaseTtl(call)
    const asked = performance.now()
    const tokens = await Promise.all(keys.map((key) => lease.acquire(key, ttl)))
    const mine: number[] = []
    const each: Promise<unknown>[] = new Array(keys.length)
    if (tokens.some((token) => typeof token === 'string')) noteFleet('holder')
    tokens.forEach((token, i) => {
      if (token !== undefined) mine.push(i)
      else each[i] = this.#waiterOf(call, keys, i, flights[i] as LoadFlight, asked)
    })
    if (mine.length > 0) {
      const loads = this.#run(call, {
        keys: mine.map((i) => keys[i] as string),
        flights: mine.map((i) => flights[i] as LoadFlight),
        tokens: mine.map((i) => tokens[i] as Token),
      })
      mine.forEach((i, j) => {
        each[i] = loads[j] as Promise<unknown>
      })
    }
    return each
  }

  async #planRefresh(
    call: Call,
    due: readonly StaleKey[],
    flights: readonly LoadFlight[],
  ): Promise<readonly Promise<unknown>[]> {
    const { lease, bus } = this.#parts
    // With a lease and a bus that delivers, a refresh made elsewhere is announced, and its notice supersedes this
    // refresh: the shared tiers need no read, before the lease or after it (each would cost a Redis read per
    // refresh). Without them, the tiers below are read before the lease and again after taking it.
    if (lease !== undefined && bus?.delivering === true)
      return this.#refreshAnnounced(call, due, flights, lease)
    const { reader, firstShared } = this.#parts
    const schema = call.schema
    const each: Promise<unknown>[] = new Array(due.length)
    let reload: number[] = []
    this.#freshBelow(due, await this.#readBelow(call, due, flights), each, reload)
    let tokens: Token[] = reload.map(() => NO_LOCK)
    if (lease !== undefined && reload.length > 0) {
      const ttl = this.#leaseTtl(call)
      tokens = await Promise.all(reload.map((i) => lease.acquire((due[i] as StaleKey).key, ttl)))
      // A key whose lease another process holds is refreshed there.
      noteFleet(tokens.some((token) => typeof token === 'string') ? 'holder' : 'waiter')
      reload.forEach((i, j) => {
        if (tokens[j] === undefined) each[i] = Promise.resolve(HELD_ELSEWHERE)
      })
      const held = reload.filter((_, j) => typeof tokens[j] === 'string')
      // The lease may be free because another process refreshed the key since the read above: read the shared
      // tiers again, the one that answered included (a stale hit in Redis has no tier below it to ask).
      const again = await Promise.all(
        held.map((i) => {
          const { key, index } = due[i] as StaleKey
          return reader.scan(key, {
            from: Math.max(index, firstShared),
            flight: flights[i],
            schema,
            batch: true,
          })
        }),
      )
      const after = this.#parts.now()
      const stillDue: number[] = []
      const stillTokens: Token[] = []
      held.forEach((i, j) => {
        const token = tokens[reload.indexOf(i)] as string
        const entry = (again[j] as (typeof again)[number]).entry
        if (entry !== undefined && after < entry.freshUntil) {
          each[i] = Promise.resolve(entry.value)
          void lease.release((due[i] as StaleKey).key, token)
        } else {
          stillDue.push(i)
          stillTokens.push(token)
        }
      })
      reload.forEach((i, j) => {
        if (tokens[j] === NO_LOCK) {
          stillDue.push(i)
          stillTokens.push(NO_LOCK)
        }
      })
      reload = stillDue
      tokens = stillTokens
    }
    this.#refreshIn(call, due, flights, reload, tokens, each)
    return each
  }

  /**
   * The refresh of stale keys when a lease and a delivering bus tell this process of every refresh made elsewhere:
   * the lease first, with no read. A key held elsewhere is refreshed there; a key whose flight a notice superseded
   * meanwhile was refreshed elsewhere (a load would write nothing). Only when the lock fails are the tiers below
   * read, once, before a load.
   */
  async #refreshAnnounced(
    call: Call,
    due: readonly StaleKey[],
    flights: readonly LoadFlight[],
    lease: NonNullable<EngineParts['lease']>,
  ): Promise<readonly Promise<unknown>[]> {
    const each: Promise<unknown>[] = new Array(due.length)
    const ttl = this.#leaseTtl(call)
    const tokens = await Promise.all(due.map(({ key }) => lease.acquire(key, ttl)))
    const reload: number[] = []
    const reloadTokens: Token[] = []
    const unlocked: number[] = []
    tokens.forEach((token, i) => {
      const key = (due[i] as StaleKey).key
      if (token === NO_LOCK) {
        unlocked.push(i)
      } else if (token === undefined || (flights[i] as LoadFlight).forgotten) {
        // A caller that joined this refresh and needs a value waits for the holder's (rule 6).
        if (token !== undefined) void lease.release(key, token)
        each[i] = Promise.resolve(HELD_ELSEWHERE)
      } else {
        reload.push(i)
        reloadTokens.push(token)
      }
    })
    if (unlocked.length > 0) {
      const subset = unlocked.map((i) => due[i] as StaleKey)
      const found = await this.#readBelow(
        call,
        subset,
        unlocked.map((i) => flights[i] as LoadFlight),
      )
      const stillDue: number[] = []
      const fresh: Promise<unknown>[] = new Array(subset.length)
      this.#freshBelow(subset, found, fresh, stillDue)
      unlocked.forEach((i, j) => {
        if (fresh[j] !== undefined) each[i] = fresh[j] as Promise<unknown>
      })
      for (const j of stillDue) {
        reload.push(unlocked[j] as number)
        reloadTokens.push(NO_LOCK)
      }
    }
    this.#refreshIn(call, due, flights, reload, reloadTokens, each)
    return each
  }

  /** Each stale key read from the tiers below the one that answered it (none below: nothing found). */
  #readBelow(call: Call, due: readonly StaleKey[], flights: readonly LoadFlight[]) {
    const { reader, tiers } = this.#parts
    return Promise.all(
      due.map(({ key, index }, i) =>
        index + 1 < tiers.length
          ? reader.scan(key, { from: index + 1, flight: flights[i], schema: call.schema, batch: true })
          : NOTHING_FOUND,
      ),
    )
  }

  /** Answers each key found fresh below (`each[i]`); the others go to `reload`. */
  #freshBelow(
    due: readonly StaleKey[],
    below: readonly Found[],
    each: Promise<unknown>[],
    reload: number[],
  ): void {
    const now = this.#parts.now()
    due.forEach((_, i) => {
      const entry = (below[i] as (typeof below)[number]).entry
      if (entry !== undefined && now < entry.freshUntil) each[i] = Promise.resolve(entry.value)
      else reload.push(i)
    })
  }

  /** Refreshes `reload` (indexes into `due`) by queryFn calls of at most MAX_REFRESH_BATCH keys. */
  #refreshIn(
    call: Call,
    due: readonly StaleKey[],
    flights: readonly LoadFlight[],
    reload: readonly number[],
    tokens: readonly Token[],
    each: Promise<unknown>[],
  ): void {
    for (let start = 0; start < reload.length; start += MAX_REFRESH_BATCH) {
      const chunk = reload.slice(start, start + MAX_REFRESH_BATCH)
      const loads = this.#run(call, {
        keys: chunk.map((i) => (due[i] as StaleKey).key),
        flights: chunk.map((i) => flights[i] as LoadFlight),
        tokens: tokens.slice(start, start + MAX_REFRESH_BATCH),
        background: true,
      })
      chunk.forEach((i, j) => {
        each[i] = loads[j] as Promise<unknown>
      })
    }
  }

  /** The wait for another process's value of `keys[i]`: within a load of many keys, a load of its own. */
  #waiterOf(
    call: Call,
    keys: readonly string[],
    i: number,
    flight: LoadFlight,
    asked: number,
  ): Promise<unknown> {
    const key = keys[i] as string
    if (keys.length === 1) return this.#loadAsWaiter(call, key, flight, asked)
    return traceLoad(this.#parts.name, key, false, flight, () => this.#loadAsWaiter(call, key, flight, asked))
  }

  /**
   * One load of `key` in the fleet, for a process that found the lease held elsewhere: waits for the holder's value in the shared tiers (read when the bus announces the key, or on a
   * short poll without a bus), and takes the lease itself if it ends with no value. Its own timeout bounds the wait.
   */
  async #loadAsWaiter(call: Call, key: string, flight: LoadFlight, firstAsked: number): Promise<unknown> {
    const lease = this.#parts.lease
    if (lease === undefined) return first(this.#run(call, { keys: [key], flights: [flight] }))
    flight.started = true
    noteFleet('waiter')
    const ttl = this.#leaseTtl(call)
    // Deadlines here pair with timers, which run on real time: they are read from the monotonic clock.
    const giveUpAt = performance.now() + (call.timeoutMs === undefined ? ttl + this.#parts.lockTtlMs : ttl)
    for (let attempt = 0; ; attempt++) {
      // When this process last asked for the lease: a notice that came since counts (the holder can load, write and
      // announce before the answer "held" is read, most of all in a herd).
      const asked = attempt === 0 ? firstAsked : performance.now()
      const token = attempt === 0 ? undefined : await lease.acquire(key, ttl)
      if (token === NO_LOCK) {
        noteFleet('alone')
        return first(this.#run(call, { keys: [key], flights: [flight] }))
      }
      if (token !== undefined) {
        noteFleet('holder')
        // The lease may have ended because its holder wrote the value just now.
        const landed = await this.#readShared(key, call.schema)
        if (landed !== MISSING) {
          void lease.release(key, token)
          return landed
        }
        return first(this.#run(call, { keys: [key], flights: [flight], tokens: [token] }))
      }
      const landed = await this.#waitForLanding(key, call.schema, giveUpAt, asked)
      if (landed !== MISSING) return landed
      if (this.#parts.closed) throw new CacheClosedError()
      if (performance.now() >= giveUpAt) {
        if (call.timeoutMs !== undefined) throw new CacheTimeoutError(key, call.timeoutMs)
        // The holder neither wrote nor released within the lease: load here rather than wait on.
        noteFleet('alone')
        return first(this.#run(call, { keys: [key], flights: [flight] }))
      }
    }
  }

  /**
   * Waits until the bus names `key` (since `asked`, or before a poll interval passes), then reads the shared tiers
   * once. With a bus that delivers, the interval is longer and the shared tiers are read only when the key was
   * named: the interval only catches a holder that died (the next lease request finds it free). While the bus's
   * circuit is open or its subscription is lost, no notice may come (it waits in a queue): the waiter polls.
   */
  async #waitForLanding(
    key: string,
    schema: StandardSchemaV1 | undefined,
    giveUpAt: number,
    asked: number,
  ): Promise<unknown> {
    const withBus = this.#parts.bus?.delivering === true
    const waitMs = Math.max(
      0,
      Math.min(withBus ? LEASE_RETRY_MS : LEASE_POLL_MS, giveUpAt - performance.now()),
    )
    const announced = await this.#parts.landings.wait(key, waitMs, asked)
    if (withBus && !announced) return MISSING
    return this.#readShared(key, schema)
  }

  /** The live value of `key` in the shared tiers (backfilled above), or MISSING. */
  async #readShared(key: string, schema: StandardSchemaV1 | undefined): Promise<unknown> {
    const found = await this.#parts.reader.scan(key, { from: this.#parts.firstShared, schema })
    return found.entry === undefined ? MISSING : found.entry.value
  }

  #leaseTtl(call: Call): number {
    return call.timeoutMs ?? this.#parts.lockTtlMs
  }

  /**
   * One queryFn call for `keys`, whose leases this process holds (`tokens`; undefined: no lease to hold). Each
   * value is written under its own key unless an invalidation superseded its flight; the leases are released right
   * behind the writes, and each write is announced once it settled. Gives a promise per key.
   */
  #run(call: Call, batch: Batch): Promise<unknown>[] {
    const bulk = this.#runBulk(call, batch)
    const keys = batch.keys
    if (keys.length === 1) return [bulk.then(first)]
    return keys.map((_, i) => bulk.then((values) => values[i]))
  }

  async #runBulk(call: Call, batch: Batch): Promise<readonly unknown[]> {
    const { keys, flights, tokens } = batch
    const background = batch.background === true
    const parts = this.#parts
    let released = false
    /** Keys whose lease went with the value's write (handed off): released there, not here. */
    let handed: boolean[] | undefined
    const release = () => {
      if (released || tokens === undefined) return
      released = true
      tokens.forEach((token, i) => {
        if (typeof token === 'string' && handed?.[i] !== true)
          void parts.lease?.release(keys[i] as string, token)
      })
    }
    // A call that began before close() and reaches its load after it must not start new work.
    if (parts.closed) {
      release()
      throw new CacheClosedError()
    }
    const { context, run } = call.invoke(keys, flights)
    for (const flight of flights) flight.started = true
    parts.running.add(context)
    parts.reporting.loads++
    const started = performance.now()
    const createdAt = parts.stamps.created(parts.now())
    try {
      const values = call.values(await runQuery(run, context, call.timeoutMs), keys.length)
      for (const flight of flights) flight.loaded = true
      const policy =
        context.chosen === undefined ? call.policy : withChosen(call.policy, context.chosen, parts.defaults)
      const now = parts.now()
      let writes: Promise<unknown>[] | undefined
      values.forEach((value, i) => {
        // undefined means "nothing to cache": it is returned, never stored. A superseded flight lost to an
        // invalidation that came after it started, so its older value must not overwrite the newer state.
        if (value === undefined || (flights[i] as LoadFlight).forgotten || parts.closed) return
        const key = keys[i] as string
        parts.backoff.clear(key)
        const token = tokens?.[i]
        let handoff: LeaseHandoff | undefined
        const lease = parts.lease
        if (typeof token === 'string' && lease !== undefined) {
          handoff = {
            lease: { lock: lease.lock, key, token },
            release: () => {
              void lease.release(key, token)
            },
          }
          handed ??= []
          handed[i] = true
        }
        const entry = makeEntry(value, policy, createdAt, now, parts.defaults.tagTtl)
        const written = this.#write(key, entry, now, handoff)
        if (written === undefined) return
        writes ??= []
        writes.push(written)
      })
      // The release follows the writes onto the wire (a tier's batched writes go out at the end of this tick):
      // on one connection, a process that takes the lease next finds the value written.
      if (tokens !== undefined) process.nextTick(release)
      if (writes !== undefined) await Promise.all(writes)
      this.#loaded(keys, performance.now() - started, background, undefined)
      return values
    } catch (error) {
      release()
      parts.reporting.loadErrors++
      this.#loaded(keys, performance.now() - started, background, error)
      if (background) parts.reporting.report(error, 'load', undefined, keys[0])
      throw error
    } finally {
      parts.running.delete(context)
    }
  }

  /** Writes a loaded entry to every tier (not waiting for a failing one) and announces it once written. */
  #write(
    key: string,
    entry: Parameters<typeof writeTiers>[2],
    now: number,
    handoff: LeaseHandoff | undefined,
  ): Promise<unknown> | undefined {
    const { tiers, bus } = this.#parts
    const written = writeTiers(
      tiers,
      key,
      entry,
      now,
      handoff === undefined ? { waitForFailing: false } : { waitForFailing: false, handoff },
    )
    if (bus === undefined) return written
    // The load's callers do not wait for the notice: it goes out once the writes settled.
    if (written === undefined) {
      void bus.key('set', key)
      return undefined
    }
    return written.then(() => {
      void bus.key('set', key)
    })
  }

  /** A `load` event per key of a queryFn call that ended (with its error when it failed). */
  #loaded(keys: readonly string[], durationMs: number, background: boolean, error: unknown): void {
    const emitter = this.#parts.reporting.emitter
    if (emitter.listeners.load === undefined) return
    for (const key of keys) {
      const event: CacheEvents['load'] = { key, durationMs, background }
      if (error !== undefined) event.error = error
      emitter.emit('load', event)
    }
  }
}

function first<T>(values: readonly T[]): T {
  return values[0] as T
}
