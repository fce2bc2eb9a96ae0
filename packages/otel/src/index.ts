// @tiered/otel: OpenTelemetry spans and metrics for tiered, from core's diagnostics channels.

export { TieredInstrumentation, type TieredInstrumentationConfig } from './instrumentation.js'
export { ATTR as TieredAttributes, METRIC as TieredMetrics } from './names.js'
