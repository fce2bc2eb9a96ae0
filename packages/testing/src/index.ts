// Shared test helpers for tiered packages: a manual clock, fault-injecting stores, buses and locks, reference stores,
// an in-memory bus and lock for fleet tests in one process, and launchers for a real redis-server and Redis Cluster
// on loopback ports.

export { onProcessExit } from './cleanup-on-exit.js'
export { createClock, type ManualClock } from './clock.js'
export { type StallWatch, watchStalls } from './event-loop-stalls.js'
export { type BusOp, createFlakyBus, type FlakyBus } from './flaky-bus.js'
export { createFlakyLock, type FlakyLock, InjectedFleetError, type LockOp } from './flaky-lock.js'
export {
  createFlakyStore,
  type FlakyStore,
  type FlakyStoreOptions,
  InjectedStoreError,
  type StoreOp,
} from './flaky-store.js'
export { findFreePort, releasePort } from './free-port.js'
export { createMapStore, type MapStore, type MapStoreOptions } from './map-store.js'
export { createMemoryBus, type MemoryBusHub } from './memory-bus.js'
export { createMemoryLock, type MemoryLock } from './memory-lock.js'
export {
  buildNextApp,
  elementText,
  fetchPage,
  type NextFleet,
  type NextProcess,
  percentile,
  startNextFleet,
  waitUntil,
} from './next-fleet.js'
export {
  type RedisClusterHandle,
  type RedisNodeAddress,
  type StartRedisClusterOptions,
  startRedisCluster,
} from './redis-cluster.js'
export { sendRedisCommand } from './redis-command.js'
export { type CommandWatch, commandsUnder, watchCommands } from './redis-monitor.js'
export { RedisStartError } from './redis-process.js'
export { type RedisServerHandle, type StartRedisServerOptions, startRedisServer } from './redis-server.js'
export { createTempDir, type TempDir } from './temp-dir.js'
export {
  type ProvideTarget,
  type RedisProvidedContext,
  setupRedis,
  setupRedisAndCluster,
  setupRedisCluster,
} from './vitest-setup.js'
