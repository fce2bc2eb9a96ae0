// @tiered/store-memory: the in-process tier.

export { createMemoryStore, MemoryStore, type MemoryStoreOptions } from './memory-store.js'
