// A TextClient on a Map with expiry, standing in for a remote key-value service in the example's tests.

import type { TextClient } from './text-store.js'

export function createMemoryTextClient(): TextClient {
  const slots = new Map<string, { text: string; dropAt: number }>()
  const live = (key: string): string | undefined => {
    const slot = slots.get(key)
    if (slot === undefined) return undefined
    if (Date.now() < slot.dropAt) return slot.text
    slots.delete(key)
    return undefined
  }
  return {
    get: async (key) => live(key),
    async set(key, text, ttlMs) {
      slots.set(key, { text, dropAt: Date.now() + ttlMs })
    },
    async delete(keys) {
      for (const key of keys) slots.delete(key)
    },
    keysStartingWith: async (prefix) =>
      [...slots.keys()].filter((key) => key.startsWith(prefix) && live(key)),
  }
}
