// A TextClient on a Map with expiry, standing in for a real backend in the example store's tests. Plain JavaScript
// typed with JSDoc, so that vitest and node:test both load it as it is.

/** @returns {import('../src/index.js').TextClient} */
export function createMemoryTextClient() {
  /** @type {Map<string, { text: string, dropAt: number }>} */
  const slots = new Map()
  /** @param {string} key */
  const live = (key) => {
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
      [...slots.keys()].filter((key) => key.startsWith(prefix) && live(key) !== undefined),
  }
}
