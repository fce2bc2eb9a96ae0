// TieredInstrumentation: turns what @tiered/core publishes on node:diagnostics_channel into OpenTelemetry spans and
// metrics (DESIGN "Observability"). The span of a traced call is made active inside it, through the `start`
// channel's bound store, so a load is the child of the call that started it and queryFn runs in the load's span.

import diagnostics from 'node:diagnostics_channel'
import {
  type Attributes,
  type Context,
  type Counter,
  context,
  type Histogram,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
  type UpDownCounter,
} from '@opentelemetry/api'
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation'
import {
  type BusNoticeMessage,
  type CircuitMessage,
  DiagnosticChannels,
  type LoadMessage,
  type OperationMessage,
  type StoreMessage,
} from '@tiered/core'
import { ATTR, METRIC } from './names.js'
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js'

export interface TieredInstrumentationConfig extends InstrumentationConfig {
  /** Record the cache key as `tiered.key` on spans. Off by default: keys may carry personal data. */
  captureKeys?: boolean
}

/** Seconds: from a memory hit (microseconds) to a slow load. */
const DURATION_BUCKETS = [0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]

interface Instruments {
  operations: Counter
  operationDuration: Histogram
  loadDuration: Histogram
  storeDuration: Histogram
  circuitOpen: UpDownCounter
  busNotices: Counter
}

/** A traced call in flight: its span and when it started. */
interface Running {
  span: Span
  startedAt: number
}

type Traced = OperationMessage | LoadMessage | StoreMessage
type Kind = 'operation' | 'load' | 'store'

/** What InstrumentationBase's constructor runs before this class's fields exist lives here instead. */
interface State {
  instruments: Instruments | undefined
  unsubscribe: (() => void) | undefined
}
const states = new WeakMap<TieredInstrumentation, State>()

/**
 * Spans `tiered.<operation>`, `tiered.load` and `tiered.store.<operation>` and the `tiered.*` metrics for every
 * TieredCache of the process. Register it with `registerInstrumentations({ instrumentations: [new
 * TieredInstrumentation()] })`; nothing is patched, it subscribes to core's channels while enabled.
 */
export class TieredInstrumentation extends InstrumentationBase<TieredInstrumentationConfig> {
  constructor(config: TieredInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config)
  }

  /** No module to patch: core publishes on diagnostics channels. */
  protected init(): [] {
    return []
  }

  override enable(): void {
    const state = stateOf(this)
    if (state.unsubscribe !== undefined) return
    state.unsubscribe = subscribe(this, () => this.tracer)
  }

  override disable(): void {
    const state = stateOf(this)
    state.unsubscribe?.()
    state.unsubscribe = undefined
  }

  protected override _updateMetricInstruments(): void {
    const meter = this.meter
    const advice = { explicitBucketBoundaries: DURATION_BUCKETS }
    stateOf(this).instruments = {
      operations: meter.createCounter(METRIC.operations, {
        description: 'Public cache calls, by how a read was answered',
      }),
      operationDuration: meter.createHistogram(METRIC.operationDuration, {
        description: 'Duration of public cache calls',
        unit: 's',
        advice,
      }),
      loadDuration: meter.createHistogram(METRIC.loadDuration, {
        description: 'Duration of loads (a queryFn call, or a wait for the fleet)',
        unit: 's',
        advice,
      }),
      storeDuration: meter.createHistogram(METRIC.storeDuration, {
        description: 'Duration of calls into a store',
        unit: 's',
        advice,
      }),
      circuitOpen: meter.createUpDownCounter(METRIC.circuitOpen, {
        description: 'Circuits open: 1 while a tier, the lock or the bus is skipped',
      }),
      busNotices: meter.createCounter(METRIC.busNotices, {
        description: 'Bus notices sent, received, and gaps (notices that may have been lost)',
      }),
    }
  }

  /** The instruments of the current meter provider. */
  get instruments(): Instruments {
    const state = stateOf(this)
    if (state.instruments === undefined) this._updateMetricInstruments()
    return state.instruments as Instruments
  }

  get captureKeys(): boolean {
    return this.getConfig().captureKeys === true
  }
}

function stateOf(instrumentation: TieredInstrumentation): State {
  let state = states.get(instrumentation)
  if (state === undefined) {
    state = { instruments: undefined, unsubscribe: undefined }
    states.set(instrumentation, state)
  }
  return state
}

/** What `attach` gives back: disposing it restores the context that was active before. */
interface ContextToken {
  dispose(): void
}

/** The parts of the context API this file reaches for by name: `attach` is api 1.10's, `_getContextManager` 1.9's. */
interface ContextApiParts {
  attach?: (value: Context) => ContextToken
  _getContextManager?: () => { attach?: (value: Context) => ContextToken }
}

const NOTHING_ATTACHED: ContextToken = { dispose() {} }

/**
 * Makes `value` the active context until the token is disposed: the context API's `attach` (api 1.10), else the
 * context manager's (api 1.9 with context-async-hooks 2.x). A context manager without `attach` leaves the context as
 * it was: spans are still made, without the parent link inside the call.
 */
function attach(value: Context): ContextToken {
  const api = context as unknown as ContextApiParts
  if (typeof api.attach === 'function') return api.attach(value)
  const manager = api._getContextManager?.()
  return typeof manager?.attach === 'function' ? manager.attach(value) : NOTHING_ATTACHED
}

const dispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('nodejs.dispose')

/**
 * A store the `start` channel runs the traced call in: OpenTelemetry's active context, whatever context manager the
 * application registered. Node before 26 enters a bound store with `run`; Node 26 with `withScope`, disposing what
 * it returns when the call's synchronous part ends.
 */
const activeContext = {
  run<R>(value: Context, fn: () => R): R {
    return context.with(value, fn)
  },
  withScope(value: Context): object {
    const token = attach(value)
    return { [dispose]: () => token.dispose() }
  },
}

/** Subscribes to every channel; gives what undoes it. */
function subscribe(instrumentation: TieredInstrumentation, tracer: () => Tracer): () => void {
  const undo: (() => void)[] = []
  for (const kind of ['operation', 'load', 'store'] as const) {
    const channel = diagnostics.tracingChannel<unknown, Traced>(DiagnosticChannels[kind])
    const running = new WeakMap<object, Running>()
    const start = (message: Traced): Context => {
      const parent = context.active()
      const span = tracer().startSpan(
        spanName(kind, message),
        { kind: SpanKind.INTERNAL, attributes: startAttributes(kind, message, instrumentation.captureKeys) },
        parent,
      )
      running.set(message, { span, startedAt: performance.now() })
      return trace.setSpan(parent, span)
    }
    const handlers = {
      error: (message: Traced) => {
        const span = running.get(message)?.span
        if (span === undefined) return
        const error = message.error
        if (error instanceof Error) span.recordException(error)
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) })
      },
      asyncEnd: (message: Traced) => {
        const run = running.get(message)
        if (run === undefined) return
        running.delete(message)
        const seconds = (performance.now() - run.startedAt) / 1_000
        finish(kind, message, run.span, seconds, instrumentation.instruments)
        run.span.end()
      },
    }
    channel.start.bindStore(activeContext as never, start as (message: unknown) => Context)
    channel.subscribe(handlers as never)
    undo.push(() => {
      channel.start.unbindStore(activeContext as never)
      channel.unsubscribe(handlers as never)
    })
  }
  const circuit = (message: unknown) => {
    const { cache, tier, operations, state } = message as CircuitMessage
    instrumentation.instruments.circuitOpen.add(state === 'open' ? 1 : -1, {
      [ATTR.cache]: cache,
      [ATTR.tier]: tier,
      [ATTR.operations]: operations,
    })
  }
  const bus = (message: unknown) => {
    const { cache, direction } = message as BusNoticeMessage
    instrumentation.instruments.busNotices.add(1, { [ATTR.cache]: cache, [ATTR.direction]: direction })
  }
  diagnostics.subscribe(DiagnosticChannels.circuit, circuit)
  diagnostics.subscribe(DiagnosticChannels.bus, bus)
  undo.push(() => {
    diagnostics.unsubscribe(DiagnosticChannels.circuit, circuit)
    diagnostics.unsubscribe(DiagnosticChannels.bus, bus)
  })
  return () => {
    for (const step of undo) step()
  }
}

function spanName(kind: Kind, message: Traced): string {
  if (kind === 'load') return 'tiered.load'
  if (kind === 'store') return `tiered.store.${(message as StoreMessage).operation}`
  return `tiered.${(message as OperationMessage).operation}`
}

function startAttributes(kind: Kind, message: Traced, captureKeys: boolean): Attributes {
  const attributes: Attributes = { [ATTR.cache]: message.cache }
  if (kind === 'store') {
    const store = message as StoreMessage
    attributes[ATTR.tier] = store.tier
    attributes[ATTR.operation] = store.operation
    return attributes
  }
  if (kind === 'operation') attributes[ATTR.operation] = (message as OperationMessage).operation
  else attributes[ATTR.background] = (message as LoadMessage).background
  const key = (message as OperationMessage | LoadMessage).key
  if (captureKeys && key !== undefined) attributes[ATTR.key] = key
  return attributes
}

/** Sets what is known once the call ended, and records its metrics. */
function finish(kind: Kind, message: Traced, span: Span, seconds: number, instruments: Instruments): void {
  const cache = message.cache
  if (kind === 'operation') {
    const { operation, state, tier } = message as OperationMessage
    const attributes: Attributes = { [ATTR.cache]: cache, [ATTR.operation]: operation }
    if (state !== undefined) attributes[ATTR.state] = state
    if (tier !== undefined) attributes[ATTR.tier] = tier
    if (state !== undefined) span.setAttribute(ATTR.state, state)
    if (tier !== undefined) span.setAttribute(ATTR.tier, tier)
    instruments.operations.add(1, attributes)
    instruments.operationDuration.record(seconds, attributes)
    return
  }
  if (kind === 'load') {
    const { background, fleet, outcome } = message as LoadMessage
    span.setAttribute(ATTR.fleet, fleet)
    if (outcome !== undefined) span.setAttribute(ATTR.outcome, outcome)
    const attributes: Attributes = { [ATTR.cache]: cache, [ATTR.background]: background }
    if (outcome !== undefined) attributes[ATTR.outcome] = outcome
    instruments.loadDuration.record(seconds, attributes)
    return
  }
  const { tier, operation } = message as StoreMessage
  const outcome = message.error === undefined ? 'ok' : 'error'
  instruments.storeDuration.record(seconds, {
    [ATTR.cache]: cache,
    [ATTR.tier]: tier,
    [ATTR.operation]: operation,
    [ATTR.outcome]: outcome,
  })
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
