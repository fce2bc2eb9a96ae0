// The value every system caches and every loader returns: a small JSON object, the same shape for all.

export interface BenchValue {
  id: number
  name: string
  email: string
  active: boolean
  roles: string[]
  score: number
  /** Which load produced it: lets the stale workload tell a stale answer from a refreshed one. */
  version: number
}

export function makeValue(id: number, version = 1): BenchValue {
  return {
    id,
    name: `user ${id}`,
    email: `user-${id}@example.com`,
    active: true,
    roles: ['reader', 'writer'],
    score: 0.5,
    version,
  }
}

/** The key of item `i` in a workload; each system adds its own prefix. */
export function itemKey(i: number): string {
  return `user:${i}`
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
