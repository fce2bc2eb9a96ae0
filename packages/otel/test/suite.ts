// The behaviour of TieredInstrumentation, written once and run against each line of the OpenTelemetry JS SDK: the
// line npm installs as latest (sdk-trace / sdk-metrics 3.x on api 1.10, test/otel.test.ts) and the 2.x line
// (sdk-trace-base / sdk-metrics 2.x on api 1.9, tests/otel-v2). Each passes its own copies of the API and SDK, so
// nothing here imports them. Spans and metrics are read from the SDK's in-memory exporters.

import type { Context, Span, SpanContext, TracerProvider } from '@opentelemetry/api'
import type { CacheStore } from '@tiered/core'
import { TieredCache } from '@tiered/core'
import { createMemoryStore } from '@tiered/store-memory'
import { createFlakyStore, createMapStore, createMemoryBus } from '@tiered/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

/** What a test needs of a span the SDK exported. */
export interface ExportedSpan {
  name: string
  attributes: Record<string, unknown>
  spanContext(): SpanContext
  parentSpanContext?: SpanContext | undefined
  status: { code: number; message?: string | undefined }
  events: { name: string }[]
}

interface DataPoint {
  attributes: Record<string, unknown>
  value: unknown
}

/** One line of the SDK, set up by the test file that runs this suite. */
export interface OtelLine {
  api: {
    trace: {
      getTracer(name: string): {
        startActiveSpan<R>(name: string, fn: (span: Span) => R): R
      }
      getActiveSpan(): Span | undefined
    }
    context: { active(): Context }
  }
  /** A tracer provider exporting to memory, a meter provider with a reader, and the global context manager. */
  start(): {
    tracerProvider: TracerProvider
    meterProvider: unknown
    spans(): ExportedSpan[]
    /** Collects and gives every metric's data points by name (cumulative). */
    metrics(): Promise<Map<string, { unit: string; points: DataPoint[] }>>
    shutdown(): Promise<void>
  }
  instrument(
    config: TieredInstrumentationConfig,
    tracerProvider: TracerProvider,
    meterProvider: unknown,
  ): Instrumentation
}

/** What the suite uses of a TieredInstrumentation (the one of the line's own copy of @tiered/otel). */
interface Instrumentation {
  disable(): void
}
type TieredInstrumentationConfig = { captureKeys?: boolean }

/** What the suite reads of the SDK's in-memory metric exporter and its reader, on either line. */
interface MetricsExport {
  reset(): void
  getMetrics(): {
    scopeMetrics: {
      metrics: { descriptor: { name: string; unit: string }; dataPoints: DataPoint[] }[]
    }[]
  }[]
}

/** Collects the reader's metrics now and gives each metric's unit and data points (attributes, value) by name. */
export async function collectMetrics(
  exporter: MetricsExport,
  reader: { forceFlush(): Promise<void> },
): Promise<Map<string, { unit: string; points: DataPoint[] }>> {
  exporter.reset()
  await reader.forceFlush()
  const byName = new Map<string, { unit: string; points: DataPoint[] }>()
  for (const resource of exporter.getMetrics())
    for (const scope of resource.scopeMetrics)
      for (const metric of scope.metrics)
        byName.set(metric.descriptor.name, {
          unit: metric.descriptor.unit,
          points: metric.dataPoints.map(({ attributes, value }) => ({ attributes, value })),
        })
  return byName
}

export function otelSuite(line: OtelLine): void {
  let sdk: ReturnType<OtelLine['start']>
  let instrumentation: Instrumentation | undefined
  const caches: TieredCache[] = []
  const use = (config: TieredInstrumentationConfig = {}) => {
    instrumentation = line.instrument(config, sdk.tracerProvider, sdk.meterProvider)
    return instrumentation
  }
  const cache = (options: ConstructorParameters<typeof TieredCache>[0]) => {
    const made = new TieredCache(options)
    caches.push(made)
    return made
  }
  const named = (name: string) => sdk.spans().filter((span) => span.name === name)
  const parentOf = (span: ExportedSpan) => span.parentSpanContext?.spanId
  const idOf = (span: ExportedSpan) => span.spanContext().spanId

  beforeEach(() => {
    sdk = line.start()
  })
  afterEach(async () => {
    instrumentation?.disable()
    instrumentation = undefined
    await Promise.all(caches.splice(0).map((made) => made.close()))
    await sdk.shutdown()
  })

  describe('spans', () => {
    it('a miss and a hit: tiered.swr under the app span, tiered.load under the swr, queryFn inside the load', async () => {
      use()
      const users = cache({ name: 'users', stores: [createMemoryStore('memory')] })
      const app = line.api.trace.getTracer('app')
      let activeInLoader: Span | undefined
      await app.startActiveSpan('request', async (request) => {
        await users.swr({
          queryKey: ['user', 1],
          queryFn: () => {
            activeInLoader = line.api.trace.getActiveSpan()
            return { id: 1 }
          },
        })
        await users.swr({ queryKey: ['user', 1], queryFn: () => ({ id: 2 }) })
        request.end()
      })
      const [request] = named('request')
      const [miss, hit] = named('tiered.swr')
      const [load] = named('tiered.load')
      if (request === undefined || miss === undefined || hit === undefined || load === undefined)
        throw new Error(`spans missing: ${sdk.spans().map((s) => s.name)}`)
      expect(parentOf(miss)).toBe(idOf(request))
      expect(parentOf(hit)).toBe(idOf(request))
      expect(parentOf(load)).toBe(idOf(miss))
      // A span the loader starts (a database call) is the load's child.
      expect(activeInLoader?.spanContext().spanId).toBe(idOf(load))
      expect(miss.attributes).toEqual({
        'tiered.cache': 'users',
        'tiered.operation': 'swr',
        'tiered.state': 'miss',
      })
      expect(hit.attributes).toEqual({
        'tiered.cache': 'users',
        'tiered.operation': 'swr',
        'tiered.state': 'fresh',
        'tiered.tier': 'memory',
      })
      expect(load.attributes).toEqual({
        'tiered.cache': 'users',
        'tiered.background': false,
        'tiered.fleet': 'alone',
        'tiered.outcome': 'loaded',
      })
      // The store calls are children of the call that made them.
      const stores = sdk.spans().filter((span) => span.name.startsWith('tiered.store.'))
      expect(stores.map((span) => span.name).sort()).toEqual([
        'tiered.store.get',
        'tiered.store.get',
        'tiered.store.set',
      ])
      const set = named('tiered.store.set')[0] as ExportedSpan
      expect(parentOf(set)).toBe(idOf(load))
      expect(set.attributes).toEqual({
        'tiered.cache': 'users',
        'tiered.tier': 'memory',
        'tiered.operation': 'set',
      })
    })

    it('keys only with captureKeys: true', async () => {
      use({ captureKeys: true })
      const users = cache({ stores: [createMemoryStore('memory')] })
      await users.swr({ queryKey: ['user', 1], queryFn: () => 1 })
      expect(named('tiered.swr')[0]?.attributes['tiered.key']).toBe('user:1')
      expect(named('tiered.load')[0]?.attributes['tiered.key']).toBe('user:1')
      instrumentation?.disable()
      use()
      await users.swr({ queryKey: ['user', 2], queryFn: () => 2 })
      expect(named('tiered.swr')[1]?.attributes['tiered.key']).toBeUndefined()
    })

    it('a failed load: the load and the call are errors, with the exception recorded', async () => {
      use()
      const users = cache({ stores: [createMemoryStore('memory')] })
      const broken = new Error('source down')
      await expect(users.swr({ queryKey: 'k', queryFn: () => Promise.reject(broken) })).rejects.toBe(broken)
      const load = named('tiered.load')[0] as ExportedSpan
      const swr = named('tiered.swr')[0] as ExportedSpan
      expect(load.attributes['tiered.outcome']).toBe('failed')
      for (const span of [load, swr]) {
        expect(span.status).toEqual({ code: 2, message: 'source down' })
        expect(span.events.map((event) => event.name)).toEqual(['exception'])
      }
    })

    it('a failing store call is an error span; the read goes on as a miss', async () => {
      use()
      const shared = createFlakyStore(createMapStore('shared', { async: true }), {
        name: 'shared',
        async: true,
      })
      shared.failAlways('get')
      const users = cache({ stores: [createMemoryStore('memory'), shared], onError: () => {} })
      expect(await users.swr({ queryKey: 'k', queryFn: () => 'loaded' })).toBe('loaded')
      const get = sdk
        .spans()
        .find((span) => span.name === 'tiered.store.get' && span.attributes['tiered.tier'] === 'shared')
      expect(get?.status.code).toBe(2)
      expect(named('tiered.swr')[0]?.status.code).not.toBe(2)
    })

    it('every public operation has its span', async () => {
      use()
      const users = cache({ stores: [createMemoryStore('memory')] })
      await users.set('a', 1)
      await users.get('a')
      await users.swrMany({ queryKeys: ['a', 'b'], queryFn: (context) => context.keys.map(() => 0) })
      await users.expire('a')
      await users.delete('a')
      await users.deleteByTag(['t'])
      await users.expireByTag(['t'])
      await users.clear()
      expect(
        sdk
          .spans()
          .filter((span) => !span.name.startsWith('tiered.store.'))
          .map((span) => span.name),
      ).toEqual([
        'tiered.set',
        'tiered.get',
        'tiered.load',
        'tiered.swrMany',
        'tiered.expire',
        'tiered.delete',
        'tiered.deleteByTag',
        'tiered.expireByTag',
        'tiered.clear',
      ])
    })

    it('nothing once disabled', async () => {
      use().disable()
      const users = cache({ stores: [createMemoryStore('memory')] })
      await users.swr({ queryKey: 'k', queryFn: () => 1 })
      expect(sdk.spans()).toEqual([])
    })
  })

  describe('metrics', () => {
    it('operations by state and tier, and the durations of calls, loads and store calls in seconds', async () => {
      use()
      const users = cache({ name: 'users', stores: [createMemoryStore('memory')] })
      await users.swr({ queryKey: 'k', queryFn: () => 1 })
      await users.swr({ queryKey: 'k', queryFn: () => 1 })
      await users.swr({ queryKey: 'k', queryFn: () => 1 })
      await users.set('k', 2)
      const metrics = await sdk.metrics()
      expect(metrics.get('tiered.operations')?.points).toEqual(
        expect.arrayContaining([
          {
            attributes: { 'tiered.cache': 'users', 'tiered.operation': 'swr', 'tiered.state': 'miss' },
            value: 1,
          },
          {
            attributes: {
              'tiered.cache': 'users',
              'tiered.operation': 'swr',
              'tiered.state': 'fresh',
              'tiered.tier': 'memory',
            },
            value: 2,
          },
          { attributes: { 'tiered.cache': 'users', 'tiered.operation': 'set' }, value: 1 },
        ]),
      )
      for (const name of ['tiered.operation.duration', 'tiered.load.duration', 'tiered.store.duration']) {
        expect(metrics.get(name)?.unit).toBe('s')
      }
      expect(metrics.get('tiered.load.duration')?.points.map((p) => p.attributes)).toEqual([
        { 'tiered.cache': 'users', 'tiered.background': false, 'tiered.outcome': 'loaded' },
      ])
      const count = (point: DataPoint | undefined) => (point?.value as { count: number } | undefined)?.count
      expect(count(metrics.get('tiered.load.duration')?.points[0])).toBe(1)
      expect(metrics.get('tiered.store.duration')?.points.map((p) => p.attributes)).toEqual(
        expect.arrayContaining([
          {
            'tiered.cache': 'users',
            'tiered.tier': 'memory',
            'tiered.operation': 'get',
            'tiered.outcome': 'ok',
          },
          {
            'tiered.cache': 'users',
            'tiered.tier': 'memory',
            'tiered.operation': 'set',
            'tiered.outcome': 'ok',
          },
        ]),
      )
      const seconds = (
        metrics.get('tiered.operation.duration')?.points[0]?.value as { max: number } | undefined
      )?.max
      expect(seconds).toBeGreaterThan(0)
      expect(seconds).toBeLessThan(5)
    })

    it('circuits open (an up-down counter) and bus notices', async () => {
      use()
      const shared = createFlakyStore(createMapStore('shared', { async: true }), {
        name: 'shared',
        async: true,
      })
      const fleet = createMemoryBus()
      const one = cache({
        name: 'one',
        stores: [createMemoryStore('memory'), shared],
        circuitBreaker: { failureThreshold: 1, cooldown: '20ms' },
        bus: fleet.bus(),
        onError: () => {},
      })
      const two = cache({
        name: 'two',
        stores: [createMemoryStore('memory') as CacheStore],
        bus: fleet.bus(),
      })
      await Promise.all([one.ready(), two.ready()])
      shared.failAlways('get')
      await one.get('a')
      await one.set('b', 1)
      // The bus delivers on a later task, as Redis does: wait (bounded) for the other cache to receive the notice.
      let metrics = await sdk.metrics()
      for (let i = 0; i < 200 && (metrics.get('tiered.bus.notices')?.points.length ?? 0) < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10))
        metrics = await sdk.metrics()
      }
      expect(metrics.get('tiered.circuit.open')?.points).toEqual([
        {
          attributes: { 'tiered.cache': 'one', 'tiered.tier': 'shared', 'tiered.operations': 'reads' },
          value: 1,
        },
      ])
      expect(metrics.get('tiered.bus.notices')?.points).toEqual(
        expect.arrayContaining([
          { attributes: { 'tiered.cache': 'one', 'tiered.direction': 'sent' }, value: 1 },
          { attributes: { 'tiered.cache': 'two', 'tiered.direction': 'received' }, value: 1 },
        ]),
      )
      // Back: the probe closes the circuit and the counter returns to 0.
      shared.heal()
      for (let i = 0; i < 200; i++) {
        metrics = await sdk.metrics()
        if (metrics.get('tiered.circuit.open')?.points[0]?.value === 0) break
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(metrics.get('tiered.circuit.open')?.points[0]?.value).toBe(0)
    })
  })
}
