// @tiered/store-memory: the in-process tier.

export { createMemoryStore, type EntryLru, MemoryStore, type MemoryStoreOptions } from './memory-store.js'
