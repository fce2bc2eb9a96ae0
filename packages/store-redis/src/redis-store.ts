// The Redis tier: a Redis client's calls (ioredis or node-redis, through RedisConnection) mapped onto CacheStore, for one Redis or a Redis Cluster, with every key under
// the store's own keyPrefix and every entry (value and timestamps) serialised as JSON, v8 or your format.

import {
  assertStorable,
  type CacheEntry,
  CacheSerializationError,
  type CacheStore,
  type Compression,
  customCodec,
  type EntryCodec,
  type EntrySerializer,
  type HeldLease,
  hasErrorCode,
  jsonCodec,
  type StoreWrite,
  v8Codec,
  withCompression,
} from '@tiered/core'
import { escapeGlob, unlinkMatching } from './clear-prefix.js'
import type { RedisConnection } from './clients/redis-connection.js'
import { groupBySlot } from './cluster-slots.js'
import { ConnectionGate, type RedisClient } from './connection.js'
import { leaseKeyOn } from './redis-lock.js'
import { setManyByScript } from './set-many-script.js'
import { expiryAmount } from './ttl.js'

/** SET the value; then DEL the lease while it still holds the caller's token (a lapsed lease is another's now). */
// ARGV: payload, unit, amount ('0': no expiry, a forever entry), the lease's token.
const SET_AND_RELEASE_SCRIPT =
  "if ARGV[3] == '0' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], ARGV[2], ARGV[3]) end " +
  "if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end return 1"

export interface RedisStoreConfig {
  /** true (default): entries are JSON. false: Node's v8 serialiser, which keeps Date, Map, Set and BigInt. */
  useJsonMarshalling?: boolean
  /** Your own format; overrides `useJsonMarshalling`. */
  serializer?: EntrySerializer
  /** true: expire with `EX` whole seconds, rounded up. false (default): `PX` milliseconds, rounded up. */
  useIntegerForTtl?: boolean
  /**
   * Put before every key of every command, e.g. `'cache:'`. `clear()` deletes exactly the keys under it and
   * refuses to run without one. Set it here, not as the client's own `keyPrefix` (ioredis; node-redis 6), which
   * SCAN does not honour.
   */
  keyPrefix?: string
  /**
   * Compress entries of `minBytes` (default 1024) and more: `'gzip'`, `'brotli'`, `'zstd'` (Node 22.15+) or
   * `{ algorithm, minBytes?, level? }`. Entries written with and without it are read either way.
   */
  compression?: Compression
}

export class RedisStore implements CacheStore {
  readonly name: string
  /** The application's client: the store never quits it. */
  readonly client: RedisClient
  readonly keyPrefix: string
  readonly #codec: EntryCodec
  readonly #inSeconds: boolean
  readonly #cluster: boolean
  /** The client's commands, whichever library it comes from. */
  readonly #redis: RedisConnection
  /** Fails calls at once while the client, once ready, is disconnected, and calls in flight at a drop. */
  readonly #gate: ConnectionGate
  #closed = false
  /** Whether setMany may run as one Lua script; turned off for good if the server refuses scripts. */
  #scripts = true

  constructor(name: string, client: RedisClient, config: RedisStoreConfig = {}) {
    if (typeof name !== 'string' || name.length === 0)
      throw new TypeError('a Redis store needs a non-empty name')
    // A TypeError naming both libraries for anything else.
    const gate = ConnectionGate.acquire(client)
    if (gate.connection.clientKeyPrefix !== undefined) {
      gate.release()
      throw new TypeError(
        `the ${gate.connection.library} client has its own keyPrefix option, which SCAN does not honour, so clear() ` +
          'could not find the keys; create the client without it and pass { keyPrefix } to createRedisStore instead',
      )
    }
    const { keyPrefix = '', serializer, useJsonMarshalling = true, useIntegerForTtl = false } = config
    if (typeof keyPrefix !== 'string') {
      gate.release()
      throw new TypeError('keyPrefix must be a string')
    }
    if (
      serializer !== undefined &&
      (serializer === null ||
        typeof serializer.serialize !== 'function' ||
        typeof serializer.deserialize !== 'function')
    ) {
      gate.release()
      throw new TypeError('serializer must have serialize(entry) and deserialize(raw) functions')
    }
    this.name = name
    this.client = client
    this.keyPrefix = keyPrefix
    // Every store reads compressed entries, with compression on or not: a rolling deploy loses nothing.
    this.#codec = withCompression(
      serializer !== undefined ? customCodec(serializer) : useJsonMarshalling === false ? v8Codec : jsonCodec,
      config.compression,
    )
    this.#inSeconds = useIntegerForTtl === true
    this.#gate = gate
    this.#redis = gate.connection
    this.#cluster = gate.connection.isCluster
  }

  /** `.then` rather than `async`: on the L2 hit path it saves a promise and a hop per read. */
  get(key: string): Promise<CacheEntry | undefined> {
    const codec = this.#codec
    const fullKey = this.keyPrefix + key
    const binary = codec.reads !== 'text'
    // The reply's type follows the codec: text exactly when the codec reads text.
    return this.#gate
      .run(() => this.#redis.get(fullKey, binary))
      .then((reply) => (reply == null ? undefined : this.#decode(reply, key)))
  }

  async set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    const amount = expiryAmount(ttlMs, this.#inSeconds)
    const payload = this.#encode(entry, key)
    await this.#write(this.keyPrefix + key, payload, amount)
  }

  /**
   * Writes the entry and ends `lease` in one script (one round trip, DESIGN "Fleet" rule 7) when the lease is a
   * Redis lock's on this store's client and a single node holds both keys; else only writes and gives false.
   */
  async setAndRelease(key: string, entry: CacheEntry, ttlMs: number, lease: HeldLease): Promise<boolean> {
    const leaseKey = this.#cluster ? undefined : leaseKeyOn(lease.lock, this.client, lease.key)
    if (leaseKey === undefined) {
      await this.set(key, entry, ttlMs)
      return false
    }
    const amount = expiryAmount(ttlMs, this.#inSeconds)
    const payload = this.#encode(entry, key)
    const unit = this.#inSeconds ? 'EX' : 'PX'
    await this.#gate.run(() =>
      this.#redis.eval(
        SET_AND_RELEASE_SCRIPT,
        [this.keyPrefix + key, leaseKey],
        [payload, unit, amount, lease.token],
      ),
    )
    return true
  }

  /** Every format refuses an undefined value: tiered never caches one, and every store agrees. */
  #encode(entry: CacheEntry, key: string): string | Buffer {
    assertStorable(key, entry)
    return this.#codec.encode(entry, key)
  }

  async delete(key: string): Promise<void> {
    const fullKey = this.keyPrefix + key
    await this.#gate.run(() => this.#redis.unlink([fullKey]))
  }

  /** One MGET on a single node; on a Cluster one MGET per hash slot, in parallel. Entries come in input order. */
  async getMany(keys: readonly string[]): Promise<(CacheEntry | undefined)[]> {
    if (keys.length === 0) return []
    const fullKeys = this.#fullKeys(keys)
    const groups = this.#cluster ? groupBySlot(fullKeys) : undefined
    if (groups === undefined || groups.length === 1) return this.#decodeAll(await this.#mget(fullKeys), keys)
    const entries = new Array<CacheEntry | undefined>(keys.length)
    await Promise.all(
      groups.map(async ({ keys: slotKeys, indexes }) => {
        const replies = await this.#mget(slotKeys)
        for (let j = 0; j < indexes.length; j++) {
          const i = indexes[j] as number
          const reply = replies[j]
          entries[i] = reply == null ? undefined : this.#decode(reply, keys[i] as string)
        }
      }),
    )
    return entries
  }

  /**
   * One Lua script of SETs (per slot on a Cluster), or a pipeline where scripts are refused; each item is sent
   * once. Every ttl is checked before anything is sent. An item whose value cannot be serialised is left out and
   * the others are still written, since the engine batches the writes of unrelated keys: once they are, the call
   * rejects with a CacheSerializationError whose `keys` lists every item left out.
   */
  async setMany(items: readonly StoreWrite[]): Promise<void> {
    if (items.length === 0) return
    const fullKeys: string[] = []
    const payloads: (string | Buffer)[] = []
    const amounts: number[] = []
    let failures: CacheSerializationError[] | undefined
    // Nothing is sent before this loop ends, so a bad ttl (a RangeError) leaves Redis untouched.
    for (const { key, entry, ttlMs } of items) {
      const amount = expiryAmount(ttlMs, this.#inSeconds)
      try {
        payloads.push(this.#encode(entry, key))
      } catch (error) {
        failures ??= []
        failures.push(
          hasErrorCode(error, 'TIERED_SERIALIZATION')
            ? (error as CacheSerializationError)
            : new CacheSerializationError(`the value under "${key}" could not be serialised`, key, error),
        )
        continue
      }
      fullKeys.push(this.keyPrefix + key)
      amounts.push(amount)
    }
    if (fullKeys.length > 0 && !this.#cluster) await this.#writeBatch(undefined, fullKeys, payloads, amounts)
    if (fullKeys.length > 0 && this.#cluster) {
      await Promise.all(
        groupBySlot(fullKeys).map(({ indexes }) => this.#writeBatch(indexes, fullKeys, payloads, amounts)),
      )
    }
    if (failures !== undefined) throw combineFailures(failures)
  }

  /** One UNLINK on a single node; on a Cluster one UNLINK per hash slot. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return
    const fullKeys = this.#fullKeys(keys)
    if (!this.#cluster) {
      await this.#gate.run(() => this.#redis.unlink(fullKeys))
      return
    }
    await Promise.all(
      groupBySlot(fullKeys).map(({ keys: slotKeys }) => this.#gate.run(() => this.#redis.unlink(slotKeys))),
    )
  }

  /**
   * Deletes every key under `keyPrefix`, on every master of a Cluster, by SCAN and UNLINK; never FLUSHDB.
   * Without a keyPrefix it cannot tell this store's keys from the rest of the database, so it refuses.
   */
  async clear(): Promise<void> {
    if (this.keyPrefix === '') {
      throw new Error(
        `Redis store "${this.name}" has no keyPrefix, so clear() cannot tell its keys from the rest of the ` +
          "database and refuses to run (it never flushes it); create the store with a keyPrefix such as 'cache:'",
      )
    }
    const refusal = this.#gate.refusal()
    if (refusal !== undefined) throw refusal
    const pattern = `${escapeGlob(this.keyPrefix)}*`
    const redis = this.#redis
    // SCAN runs on each master; the deletes go through the client, which routes (and redirects) per slot.
    const unlink = this.#cluster
      ? (keys: Buffer[]) => Promise.all(groupBySlot(keys).map(({ keys: slotKeys }) => redis.unlink(slotKeys)))
      : (keys: Buffer[]) => redis.unlink(keys)
    const nodes = await redis.scanNodes()
    await Promise.all(nodes.map((node) => unlinkMatching(node, pattern, unlink)))
  }

  /**
   * Takes back the listeners the store put on the client. It never quits or disconnects the client, which is the
   * application's (so `cache.close()` leaves it open).
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#gate.release()
  }

  #fullKeys(keys: readonly string[]): string[] {
    const prefix = this.keyPrefix
    const fullKeys = new Array<string>(keys.length)
    for (let i = 0; i < keys.length; i++) fullKeys[i] = prefix + (keys[i] as string)
    return fullKeys
  }

  /** Text replies for JSON, Buffer replies for every other format. */
  #mget(fullKeys: string[]): Promise<(string | Buffer | null)[]> {
    const binary = this.#codec.reads !== 'text'
    return this.#gate.run(() => this.#redis.mget(fullKeys, binary))
  }

  #decode(reply: string | Buffer, key: string): CacheEntry {
    const codec = this.#codec
    // The reply's type follows the codec: #mget asked for text exactly when the codec reads text.
    return codec.reads === 'text' ? codec.decode(reply as string, key) : codec.decode(reply as Buffer, key)
  }

  /** Decodes in place: the reply array becomes the result, sparing an allocation per batch. */
  #decodeAll(replies: (string | Buffer | null)[], keys: readonly string[]): (CacheEntry | undefined)[] {
    const entries = replies as unknown as (CacheEntry | undefined)[]
    for (let i = 0; i < replies.length; i++) {
      const reply = replies[i]
      entries[i] = reply == null ? undefined : this.#decode(reply, keys[i] as string)
    }
    return entries
  }

  /** SETs the items at `indexes` (all when undefined): one command alone, else one script (or SETs sent together). */
  async #writeBatch(
    indexes: readonly number[] | undefined,
    fullKeys: readonly string[],
    payloads: readonly (string | Buffer)[],
    amounts: readonly number[],
  ): Promise<void> {
    const count = indexes === undefined ? fullKeys.length : indexes.length
    if (count === 1) {
      const i = indexes === undefined ? 0 : (indexes[0] as number)
      await this.#write(fullKeys[i] as string, payloads[i] as string | Buffer, amounts[i] as number)
      return
    }
    const keys = new Array<string>(count)
    const batchPayloads = new Array<string | Buffer>(count)
    const batchAmounts = new Array<number>(count)
    for (let n = 0; n < count; n++) {
      const i = indexes === undefined ? n : (indexes[n] as number)
      keys[n] = fullKeys[i] as string
      batchPayloads[n] = payloads[i] as string | Buffer
      batchAmounts[n] = amounts[i] as number
    }
    const unit = this.#inSeconds ? 'EX' : 'PX'
    if (this.#scripts) {
      const outcome = await this.#gate.run(() =>
        setManyByScript(this.#redis, keys, batchPayloads, batchAmounts, unit),
      )
      if (outcome === 'written') return
      // This server refuses scripts: plain SETs sent together from now on.
      this.#scripts = false
    }
    await this.#gate.run(() => this.#redis.setEach(keys, batchPayloads, unit, batchAmounts))
  }

  #write(fullKey: string, payload: string | Buffer, amount: number): Promise<unknown> {
    return this.#gate.run(() => this.#redis.set(fullKey, payload, this.#inSeconds ? 'EX' : 'PX', amount))
  }
}

/** One failure as it is; several as one error whose `keys` lists them all, with each failure in an AggregateError. */
function combineFailures(failures: CacheSerializationError[]): CacheSerializationError {
  if (failures.length === 1) return failures[0] as CacheSerializationError
  const keys = failures.map((failure) => failure.key as string)
  return new CacheSerializationError(
    `${failures.length} values could not be serialised and were not written (${keys.map((key) => `"${key}"`).join(', ')}); the other items were`,
    undefined,
    new AggregateError(failures, 'one failure per key left out'),
    keys,
  )
}

/**
 * A tier on a client the application owns: an ioredis `Redis` or `Cluster`, or a node-redis `createClient()` or
 * `createCluster()` (connect it yourself): the store never quits it, so quit it
 * yourself after `cache.close()`.
 */
export function createRedisStore(name: string, client: RedisClient, config?: RedisStoreConfig): RedisStore {
  return new RedisStore(name, client, config)
}
