// `pnpm demo:otel`: what an operator sees once @tiered/otel is on. The OpenTelemetry SDK prints every span to the
// console as it ends (ConsoleSpanExporter) and the metrics once at the end (ConsoleMetricExporter): one miss (the
// swr span, its load, the store calls), one fresh hit, and a stale hit with its background refresh.

import { context, metrics, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { ConsoleSpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { TieredCache } from '@tiered/core'
import { TieredInstrumentation } from '@tiered/otel'
import { createMemoryStore } from '@tiered/store-memory'

// The ten lines of the README: a context manager, a tracer and a meter provider, and the instrumentation.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
const tracerProvider = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })],
})
trace.setGlobalTracerProvider(tracerProvider)
const reader = new PeriodicExportingMetricReader({
  exporter: new ConsoleMetricExporter(),
  exportIntervalMillis: 60_000,
})
const meterProvider = new MeterProvider({ readers: [reader] })
metrics.setGlobalMeterProvider(meterProvider)
registerInstrumentations({ instrumentations: [new TieredInstrumentation({ captureKeys: true })] })

let clock = Date.now()
const cache = new TieredCache({ name: 'todos', stores: [createMemoryStore('memory')], now: () => clock })
const queryFn = async ({ key }: { key: string }) => {
  // Inside the load's span: a span the loader starts (a database query) is its child.
  await new Promise((resolve) => setTimeout(resolve, 20))
  return { id: key, title: 'write the operator demo' }
}
const app = trace.getTracer('demo-app')

const step = (text: string) => console.log(`\n===== ${text} =====\n`)
await app.startActiveSpan('GET /todos/1', async (request) => {
  step('a miss: tiered.swr, its tiered.load, and the store calls')
  await cache.swr({ queryKey: ['todo', 1], queryFn, fresh: '2s', ttl: '5m' })
  step('a fresh hit: tiered.swr and one tiered.store.get')
  await cache.swr({ queryKey: ['todo', 1], queryFn, fresh: '2s', ttl: '5m' })
  request.end()
})
clock += 3_000
step('a stale hit: served at once, refreshed by a background tiered.load')
await cache.swr({ queryKey: ['todo', 1], queryFn, fresh: '2s', ttl: '5m' })
await new Promise((resolve) => setTimeout(resolve, 100))

step('the metrics')
await reader.forceFlush()
await cache.close()
await tracerProvider.shutdown()
await meterProvider.shutdown()
