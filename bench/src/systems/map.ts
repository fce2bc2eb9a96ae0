// The memory floor: a bare Map read through by hand, no expiry, no LRU, no dedupe. Nothing in memory is faster.

import type { BenchValue } from '../value.js'
import { readThrough } from './read-through.js'
import type { BenchSystem } from './types.js'

export const mapFloor: BenchSystem = {
  id: 'map',
  label: () => 'bare Map (floor)',
  role: 'floor',
  packageName: undefined,
  layers: ['memory'],
  staleWhileRevalidate: false,
  create: async () => readThrough(new Map<string, BenchValue>()),
}
