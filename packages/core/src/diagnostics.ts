// What a cache publishes on node:diagnostics_channel for tracers and metrics (DESIGN "Observability"): the traced
// operations, loads and store calls, and the circuit and bus notices. Every channel is checked for subscribers
// first, so a cache nobody watches builds no message and pays a few property reads per call.

import type { AsyncLocalStorage } from 'node:async_hooks'
import type { TracingChannel } from 'node:diagnostics_channel'
import { ErrorCodes, hasErrorCode } from './errors.js'
import { toKey } from './query-key.js'
import type { BusMessage, MaybePromise, QueryKey } from './types.js'

/** The channel names, for subscribers. */
export const DiagnosticChannels = {
  operation: 'tiered:operation',
  load: 'tiered:load',
  store: 'tiered:store',
  circuit: 'tiered:circuit',
  bus: 'tiered:bus',
} as const

export type CacheOperation =
  | 'swr'
  | 'swrMany'
  | 'get'
  | 'set'
  | 'delete'
  | 'expire'
  | 'clear'
  | 'deleteByTag'
  | 'expireByTag'

/** How a read was answered: from a fresh or stale entry, by a load after a miss, or by an entry within grace. */
export type AnswerState = 'fresh' | 'stale' | 'miss' | 'grace'
/** A load's part in the fleet: no lease (no lock, or it failed), the lease's holder, or waiting for the holder. */
export type FleetRole = 'alone' | 'holder' | 'waiter'
/** `from-fleet`: no queryFn call here; the value came from the shared tiers (another process loaded it). */
export type LoadOutcome = 'loaded' | 'failed' | 'timeout' | 'superseded' | 'from-fleet'
export type StoreMethod = 'get' | 'getMany' | 'set' | 'setMany' | 'delete' | 'clear' | 'close'

/** The fields TracingChannel itself adds to a traced message. */
interface Traced {
  /** Set before `error` is published: what the call failed with. */
  error?: unknown
  /** Set before `asyncStart`: what the call returned. */
  result?: unknown
}

/** `tiered:operation`: one per public call. */
export interface OperationMessage extends Traced {
  cache: string
  operation: CacheOperation
  /** The stored string key, for a call of one key. */
  key?: string
  /** How many keys, for swrMany. */
  keys?: number
  /** How many tags, for deleteByTag and expireByTag. */
  tags?: number
  /** For reads, set before the end: how the call was answered (for swrMany, the worst of its keys). */
  state?: AnswerState
  /** For reads answered from a tier: its name. */
  tier?: string
}

/** `tiered:load`: one per load of this process (a queryFn call, or a wait for the fleet's value). */
export interface LoadMessage extends Traced {
  cache: string
  key?: string
  keys?: number
  /** A refresh of a stale entry, which no caller waits for. */
  background: boolean
  fleet: FleetRole
  /** Set before the end. */
  outcome?: LoadOutcome
}

/** `tiered:store`: one per call into a store, after batching. */
export interface StoreMessage extends Traced {
  cache: string
  tier: string
  operation: StoreMethod
  /** How many keys the call carries (0 for clear and close). */
  keys: number
}

/** `tiered:circuit`: a circuit opened or closed. */
export interface CircuitMessage {
  cache: string
  /** A tier's name, or `lock` / `bus`. */
  tier: string
  operations: 'reads' | 'writes'
  state: 'open' | 'closed'
}

/** `tiered:bus`: a notice went out, came in, or notices may have been lost. */
export interface BusNoticeMessage {
  cache: string
  direction: 'sent' | 'received' | 'gap'
  /** The notice's type; absent for a gap. */
  type?: BusMessage['type']
  /** How many keys (or tags, for a `tags` notice) it names. */
  keys: number
}

type Builtins = {
  'node:diagnostics_channel': typeof import('node:diagnostics_channel')
  'node:async_hooks': typeof import('node:async_hooks')
}

/**
 * A Node built-in where the runtime has it, else undefined, so core still loads where it is missing. Node from 20.16
 * and 22.3, Bun and Deno have process.getBuiltinModule; the CJS build falls back to require.
 */
function builtin<K extends keyof Builtins>(id: K): Builtins[K] | undefined {
  try {
    const get = (globalThis.process as { getBuiltinModule?: (id: string) => unknown } | undefined)
      ?.getBuiltinModule
    if (typeof get === 'function') return get(id) as Builtins[K] | undefined
    return typeof require === 'function' ? (require(id) as Builtins[K]) : undefined
  } catch {
    return undefined
  }
}

const dc = builtin('node:diagnostics_channel')
const hooks = builtin('node:async_hooks')

const NOBODY = { hasSubscribers: false } as const

/** A TracingChannel and a check for its subscribers that works on Node 20 too (no `hasSubscribers` there). */
class Traceable<M extends object> {
  readonly #channel: TracingChannel<unknown, M> | undefined
  // The five channels a TracingChannel publishes on (a stand-in without subscribers where the runtime has none).
  readonly #start: { readonly hasSubscribers: boolean }
  readonly #end: { readonly hasSubscribers: boolean }
  readonly #asyncStart: { readonly hasSubscribers: boolean }
  readonly #asyncEnd: { readonly hasSubscribers: boolean }
  readonly #error: { readonly hasSubscribers: boolean }

  constructor(name: string) {
    const channel = typeof dc?.tracingChannel === 'function' ? dc.tracingChannel<unknown, M>(name) : undefined
    this.#channel = channel
    this.#start = channel?.start ?? NOBODY
    this.#end = channel?.end ?? NOBODY
    this.#asyncStart = channel?.asyncStart ?? NOBODY
    this.#asyncEnd = channel?.asyncEnd ?? NOBODY
    this.#error = channel?.error ?? NOBODY
  }

  /** TracingChannel's own `hasSubscribers`, which Node 20 lacks: any of its five channels. */
  get active(): boolean {
    return (
      this.#start.hasSubscribers ||
      this.#asyncEnd.hasSubscribers ||
      this.#end.hasSubscribers ||
      this.#asyncStart.hasSubscribers ||
      this.#error.hasSubscribers
    )
  }

  /**
   * Runs `run` inside the message's trace context (the stores bound to `start`, e.g. a tracer's context) and
   * publishes start, end, error and asyncStart/asyncEnd. asyncEnd is published for every call, also one that
   * answered synchronously (a memory tier), so a subscriber ends its span there. `failure` tells an outcome that
   * is a failure although it was returned (a store call's reported error).
   */
  trace<T>(
    message: M & Traced,
    run: () => MaybePromise<T>,
    failure?: (result: T) => unknown,
  ): MaybePromise<T> {
    const channel = this.#channel as TracingChannel<unknown, M & Traced>
    const settle = (result: T): T => {
      const failed = failure?.(result)
      if (failed !== undefined) {
        message.error = failed
        channel.error.publish(message)
      } else {
        message.result = result
      }
      channel.asyncStart.publish(message)
      channel.asyncEnd.publish(message)
      return result
    }
    const fail = (error: unknown): never => {
      message.error = error
      channel.error.publish(message)
      channel.asyncStart.publish(message)
      channel.asyncEnd.publish(message)
      throw error
    }
    return channel.start.runStores(message, () => {
      let result: MaybePromise<T>
      try {
        result = run()
      } catch (error) {
        channel.end.publish(message)
        return fail(error)
      }
      channel.end.publish(message)
      return result instanceof Promise ? result.then(settle, fail) : settle(result)
    })
  }
}

const operationChannel = new Traceable<OperationMessage>(DiagnosticChannels.operation)
const loadChannel = new Traceable<LoadMessage>(DiagnosticChannels.load)
const storeChannel = new Traceable<StoreMessage>(DiagnosticChannels.store)
const circuitChannel = dc?.channel(DiagnosticChannels.circuit)
const busChannel = dc?.channel(DiagnosticChannels.bus)

// The operation and the load a piece of engine code runs for, so that the engine notes a hit or a lease where it
// happens without passing the message along. Used only while a subscriber is there.
const HooksStorage = hooks?.AsyncLocalStorage
const currentOperation: AsyncLocalStorage<OperationMessage> | undefined =
  HooksStorage === undefined ? undefined : new HooksStorage()
const currentLoad: AsyncLocalStorage<LoadMessage> | undefined =
  HooksStorage === undefined ? undefined : new HooksStorage()
/** Operations traced and not settled: while none is, noting an answer is one comparison. */
let operationsOpen = 0
/** Loads whose queryFn was called (the others got their value from the fleet). */
const queried = new WeakSet<LoadMessage>()

/** What a load's outcome reads of its flights: whether an invalidation superseded it. */
interface Flight {
  readonly forgotten: boolean
}

const RANK: Record<AnswerState, number> = { fresh: 0, stale: 1, miss: 2, grace: 3 }

/** What a cache's public methods look like to the wrapper. */
type PublicMethod = (this: { readonly name: string }, ...args: unknown[]) => Promise<unknown>

/**
 * Wraps the public operations of a cache class so that each call is traced on `tiered:operation` while somebody
 * subscribes; otherwise the wrapper calls the method straight away. swr, the hot path, checks in its own body
 * (operationTraced) instead: a wrapper's call of the method it holds is not inlined, and costs a fresh hit more
 * than the check.
 */
export function traceOperations(prototype: object, operations: readonly CacheOperation[]): void {
  const methods = prototype as Record<CacheOperation, PublicMethod>
  for (const operation of operations) {
    const method = methods[operation]
    methods[operation] = function traced(
      this: { readonly name: string },
      a?: unknown,
      b?: unknown,
      c?: unknown,
    ) {
      if (!operationChannel.active) return method.call(this, a, b, c)
      return traceOperation(this.name, operation, a, () => method.call(this, a, b, c))
    }
    Object.defineProperty(methods[operation], 'name', { value: operation })
  }
}

/** Whether public calls are traced: checked first by swr, which is not wrapped. */
export function operationTraced(): boolean {
  return operationChannel.active
}

/** Runs one public call traced on `tiered:operation`, inside the trace context of its caller. */
export function traceOperation<T>(
  cache: string,
  operation: CacheOperation,
  first: unknown,
  run: () => Promise<T>,
): Promise<T> {
  const storage = currentOperation
  if (storage === undefined) return run()
  const message = operationMessage(cache, operation, first)
  operationsOpen++
  const done = () => {
    operationsOpen--
  }
  const traced = storage.run(message, () => operationChannel.trace(message, run)) as Promise<T>
  traced.then(done, done)
  return traced
}

function operationMessage(cache: string, operation: CacheOperation, first: unknown): OperationMessage {
  const message: OperationMessage = { cache, operation }
  try {
    if (operation === 'swr') message.key = toKey((first as { queryKey: QueryKey }).queryKey)
    else if (operation === 'swrMany') message.keys = (first as { queryKeys: unknown[] }).queryKeys.length
    else if (operation === 'deleteByTag' || operation === 'expireByTag')
      message.tags = (first as unknown[]).length
    else if (operation !== 'clear') message.key = toKey(first as QueryKey)
  } catch {
    // Bad input: the call itself rejects with the error, which the trace carries.
  }
  return message
}

/** How the running read was answered (the worst state wins for many keys: a grace answer follows a miss). */
export function noteAnswer(state: AnswerState, tier: string | undefined): void {
  if (operationsOpen === 0) return
  const message = currentOperation?.getStore()
  if (message === undefined) return
  if (message.state !== undefined && RANK[message.state] > RANK[state]) return
  message.state = state
  if (tier === undefined) delete message.tier
  else message.tier = tier
}

/**
 * Runs one load of this process (a queryFn call, or a wait for the fleet's value) traced on `tiered:load`, inside
 * the trace context of the call that started it. The outcome is read from how it settled and from its flights.
 */
export function traceLoad<T>(
  cache: string,
  keys: string | readonly string[],
  background: boolean,
  flights: Flight | readonly Flight[],
  run: () => Promise<T>,
): Promise<T> {
  if (!loadChannel.active || currentLoad === undefined) return run()
  const message: LoadMessage =
    typeof keys === 'string'
      ? { cache, key: keys, background, fleet: 'alone' }
      : { cache, keys: keys.length, background, fleet: 'alone' }
  const storage = currentLoad
  const superseded = () =>
    Array.isArray(flights)
      ? (flights as readonly Flight[]).some((flight) => flight.forgotten)
      : (flights as Flight).forgotten
  return storage.run(message, () =>
    loadChannel.trace(message, () =>
      run().then(
        (value) => {
          message.outcome = !queried.has(message) ? 'from-fleet' : superseded() ? 'superseded' : 'loaded'
          return value
        },
        (error: unknown) => {
          message.outcome = hasErrorCode(error, ErrorCodes.timeout) ? 'timeout' : 'failed'
          throw error
        },
      ),
    ),
  ) as Promise<T>
}

/** The running load's part in the fleet. */
export function noteFleet(role: FleetRole): void {
  const message = currentLoad?.getStore()
  if (message !== undefined) message.fleet = role
}

/** The running load calls queryFn. */
export function noteQuery(): void {
  const message = currentLoad?.getStore()
  if (message !== undefined) queried.add(message)
}

/** Whether loads are traced: checked before a load of many keys gathers its outcome. */
export function loadTraced(): boolean {
  return loadChannel.active
}

/** Whether store calls are traced: checked before any message is built. */
export function storeTraced(): boolean {
  return storeChannel.active
}

/** Runs one store call traced on `tiered:store`; `failure` gives the error of a failed outcome. */
export function traceStore<T>(
  message: StoreMessage,
  run: () => MaybePromise<T>,
  failure: (result: T) => unknown,
): MaybePromise<T> {
  return storeChannel.trace(message, run, failure)
}

export function publishCircuit(
  cache: string,
  tier: string,
  operations: CircuitMessage['operations'],
  state: CircuitMessage['state'],
): void {
  if (circuitChannel?.hasSubscribers !== true) return
  const message: CircuitMessage = { cache, tier, operations, state }
  circuitChannel.publish(message)
}

export function publishBus(
  cache: string,
  direction: BusNoticeMessage['direction'],
  notice: BusMessage | undefined,
): void {
  if (busChannel?.hasSubscribers !== true) return
  const message: BusNoticeMessage = {
    cache,
    direction,
    keys: notice === undefined ? 0 : (notice.keys ?? notice.tags ?? []).length,
  }
  if (notice !== undefined) message.type = notice.type
  busChannel.publish(message)
}
