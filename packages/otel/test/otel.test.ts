// TieredInstrumentation on the OpenTelemetry line npm installs as latest: @opentelemetry/api 1.10 with
// sdk-trace and sdk-metrics 3.x. The same suite runs on the 2.x line in tests/otel-v2.

import { context, metrics, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { TieredInstrumentation } from '../src/index.js'
import { collectMetrics, type ExportedSpan, otelSuite } from './suite.js'

otelSuite({
  api: { trace, context },
  start() {
    const contextManager = new AsyncLocalStorageContextManager().enable()
    context.setGlobalContextManager(contextManager)
    const spans = new InMemorySpanExporter()
    const tracerProvider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
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
