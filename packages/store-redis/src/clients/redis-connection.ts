// The one interface between the store, bus and lock and a Redis client library: the few commands they send, the
// subscriber connection the bus opens, and how the client reports its connection. ioredis (5, 6) and node-redis
// (`redis` 5, 6) each map onto it in a file of their own; `connectionOf` tells them apart.

/** A value as Redis returns it: text when `binary` was false, bytes when it was true. */
export type Reply = string | Buffer

/** One node's keyspace, for SCAN (a single server, or each master of a Cluster). */
export interface ScanNode {
  /** One SCAN round: the next cursor ('0' at the end) and the keys, byte for byte. */
  scan(cursor: string, pattern: string, count: number): Promise<[string, Buffer[]]>
}

/** A pub/sub connection of the bus's own that never reconnects by itself: the bus opens a new one, and says gap(). */
export interface Subscriber {
  /** Subscribes once the connection is up; rejects if it cannot. */
  subscribe(channel: string, onMessage: (text: string) => void): Promise<void>
  /** Called once when the connection ends for any reason other than `close()`. */
  onEnd(listener: () => void): void
  onError(listener: (error: unknown) => void): void
  close(): void
}

export interface RedisConnection {
  readonly library: 'ioredis' | 'node-redis'
  readonly isCluster: boolean
  /** The client's own key prefix, if it has one (clear() could not find the keys under it). */
  readonly clientKeyPrefix: string | undefined
  /** Commands go out now. */
  isReady(): boolean
  /** The client's state in its own words, for error messages. */
  status(): string
  /** `ready`: the client (re)connected; `drop`: it lost the connection, or was closed. Returns the off switch. */
  on(event: 'ready' | 'drop', listener: () => void): () => void

  get(key: string, binary: boolean): Promise<Reply | null>
  /** Keys of one hash slot on a Cluster. */
  mget(keys: readonly string[], binary: boolean): Promise<(Reply | null)[]>
  /** SET with `unit` and `amount`, or without an expiry when `amount` is 0 (a forever entry). */
  set(key: string, payload: Reply, unit: 'PX' | 'EX', amount: number): Promise<unknown>
  /** `SET key value NX PX ttlMs`: true when this call created the key. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>
  /**
   * Several SETs sent together without a script (where scripts are refused); keys of one slot on a Cluster. An
   * amount of 0 is a SET without an expiry.
   */
  setEach(
    keys: readonly string[],
    payloads: readonly Reply[],
    unit: 'PX' | 'EX',
    amounts: readonly number[],
  ): Promise<void>
  /** UNLINK; keys of one hash slot on a Cluster. */
  unlink(keys: readonly (string | Buffer)[]): Promise<unknown>
  evalsha(sha: string, keys: readonly string[], args: readonly (Reply | number)[]): Promise<unknown>
  eval(source: string, keys: readonly string[], args: readonly (Reply | number)[]): Promise<unknown>
  /** The server, or every master of a Cluster (waiting, through the client, until it knows them). */
  scanNodes(): Promise<ScanNode[]>
  publish(channel: string, text: string): Promise<unknown>
  /** PING (a Cluster: any node), the bus's probe of an open circuit. */
  ping(): Promise<unknown>
  /** A new subscriber connection (on a Cluster, to one of its nodes: `attempt` picks which); undefined if none yet. */
  openSubscriber(attempt: number): Subscriber | undefined
}
