// How keys map onto a Redis Cluster: a multi-key command may only name keys of one hash slot, so batches are
// split per slot with the same CRC16 ioredis routes by (cluster-key-slot).

import calculateSlot from 'cluster-key-slot'
import type { Cluster, Redis } from 'ioredis'

/** The keys of one slot, and where each stood in the batch. */
export interface SlotGroup<K extends string | Buffer> {
  readonly keys: K[]
  readonly indexes: number[]
}

/** Splits `keys` per hash slot (hash tags count, as in Redis), in order of first appearance. */
export function groupBySlot<K extends string | Buffer>(keys: readonly K[]): SlotGroup<K>[] {
  const bySlot = new Map<number, SlotGroup<K>>()
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as K
    const slot = calculateSlot(key)
    const group = bySlot.get(slot)
    if (group === undefined) {
      bySlot.set(slot, { keys: [key], indexes: [i] })
    } else {
      group.keys.push(key)
      group.indexes.push(i)
    }
  }
  return Array.from(bySlot.values())
}

/** Every master of the cluster, waiting (through the client's own offline queue policy) until it knows them. */
export async function mastersOf(cluster: Cluster): Promise<Redis[]> {
  if (cluster.status !== 'ready') await cluster.ping()
  const masters = cluster.nodes('master')
  if (masters.length === 0) {
    throw new Error('the Redis Cluster client knows no master node yet; wait for its "ready" event and retry')
  }
  return masters
}
