// TieredInstrumentation on the OpenTelemetry 2.x line: @opentelemetry/api 1.9 with sdk-trace-base and sdk-metrics
// 2.x, and this package's own (injected) copy of @tiered/otel, whose peer api is that 1.9. The suite is @tiered/otel's.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { context, metrics, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { TieredInstrumentation } from '@tiered/otel'
import { expect, it } from 'vitest'
import { collectMetrics, type ExportedSpan, otelSuite } from '../../../packages/otel/test/suite.js'

it('runs on api 1.9, the one @tiered/otel and its instrumentation base resolve here too', () => {
  const here = createRequire(import.meta.url)
  const otel = createRequire(here.resolve('@tiered/otel'))
  const instrumentation = createRequire(otel.resolve('@opentelemetry/instrumentation'))
  for (const from of [here, otel, instrumentation]) {
    const main = from.resolve('@opentelemetry/api')
    const root = main.slice(0, main.lastIndexOf('/@opentelemetry/api/') + '/@opentelemetry/api/'.length)
    const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }
    expect(version).toMatch(/^1\.9\./)
  }
})

otelSuite({
  api: { trace, context },
  start() {
    const contextManager = new AsyncLocalStorageContextManager().enable()
    context.setGlobalContextManager(contextManager)
    const spans = new InMemorySpanExporter()
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(spans)],
    })
    trace.setGlobalTracerProvider(tracerProvider)
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
    const meterProvider = new MeterProvider({ readers: [reader] })
    metrics.setGlobalMeterProvider(meterProvider)
    return {
      tracerProvider,
      meterProvider,
      spans: () => spans.getFinishedSpans() as unknown as ExportedSpan[],
      metrics: () => collectMetrics(exporter, reader),
      async shutdown() {
        await tracerProvider.shutdown()
        await meterProvider.shutdown()
        trace.disable()
        metrics.disable()
        context.disable()
      },
    }
  },
  instrument(config, tracerProvider, meterProvider) {
    const instrumentation = new TieredInstrumentation(config)
    registerInstrumentations({
      instrumentations: [instrumentation],
      tracerProvider,
      meterProvider: meterProvider as MeterProvider,
    })
    return instrumentation
  },
})
