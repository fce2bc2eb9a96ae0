// How keys map onto a Redis Cluster: a multi-key command may only name keys of one hash slot, so batches are
// split per slot with the same CRC16 both client libraries route by (cluster-key-slot).

import calculateSlot from 'cluster-key-slot'

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
