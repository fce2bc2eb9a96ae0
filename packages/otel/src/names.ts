// The names @tiered/otel gives its span attributes and metrics; metric attributes use the span attribute names.

export const ATTR = {
  cache: 'tiered.cache',
  operation: 'tiered.operation',
  state: 'tiered.state',
  tier: 'tiered.tier',
  background: 'tiered.background',
  fleet: 'tiered.fleet',
  outcome: 'tiered.outcome',
  key: 'tiered.key',
  operations: 'tiered.operations',
  direction: 'tiered.direction',
} as const

export const METRIC = {
  operations: 'tiered.operations',
  operationDuration: 'tiered.operation.duration',
  loadDuration: 'tiered.load.duration',
  storeDuration: 'tiered.store.duration',
  circuitOpen: 'tiered.circuit.open',
  busNotices: 'tiered.bus.notices',
} as const
