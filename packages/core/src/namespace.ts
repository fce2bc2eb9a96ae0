// A view of a cache whose keys live under a name and whose entries carry the namespace's implicit tag, so that its
// clear() is one tag invalidation (O(1), no scan) that touches nothing outside it. Views nest.

import { checkTags } from './entry-policy.js'
import { toKey } from './query-key.js'
import type { EntryOptions, QueryKey, SwrManyOptions, SwrOptions } from './types.js'

/** The key (or keys) as the caller of a view gave them, handed to queryFn instead of the stored ones. */
export const ORIGINAL_KEY: unique symbol = Symbol('original key')

export interface Scoped {
  [ORIGINAL_KEY]?: QueryKey
}

export interface ScopedMany {
  [ORIGINAL_KEY]?: readonly QueryKey[]
}

/** What a view uses of its cache (NamespaceTarget), named here so that the two modules do not import each other. */
export interface NamespaceTarget {
  swr<T>(options: SwrOptions<T>): Promise<T>
  swrMany<T>(options: SwrManyOptions<T>): Promise<(T | undefined)[]>
  get<T>(queryKey: QueryKey): Promise<T | undefined>
  set<T>(queryKey: QueryKey, value: T, options?: EntryOptions): Promise<void>
  has(queryKey: QueryKey): Promise<boolean>
  delete(queryKey: QueryKey): Promise<void>
  deleteMany(queryKeys: readonly QueryKey[]): Promise<void>
  expire(queryKey: QueryKey): Promise<void>
  deleteByTag(tags: readonly string[]): Promise<void>
  expireByTag(tags: readonly string[]): Promise<void>
}

/** Namespace tags live apart from the application's own tags. */
const NAMESPACE_TAG = 'tiered:ns:'

export class CacheNamespace {
  readonly name: string
  readonly #cache: NamespaceTarget
  readonly #path: readonly string[]
  readonly #prefix: string
  /** The tag of this view and of every view it is nested in. */
  readonly #tags: readonly string[]

  constructor(cache: NamespaceTarget, parent: readonly string[], name: string) {
    if (typeof name !== 'string' || name.length === 0)
      throw new TypeError('a namespace needs a non-empty name')
    this.name = name
    this.#cache = cache
    this.#path = [...parent, name]
    this.#prefix = `${toKey(this.#path)}:`
    this.#tags = this.#path.map((_, i) => NAMESPACE_TAG + toKey(this.#path.slice(0, i + 1)))
  }

  /** The key a query key of this view is stored under. */
  key(queryKey: QueryKey): string {
    return this.#prefix + toKey(queryKey)
  }

  swr<T>(options: SwrOptions<T>): Promise<T> {
    let scoped: SwrOptions<T> & Scoped
    try {
      scoped = { ...options, queryKey: this.key(options.queryKey), tags: this.#withTags(options.tags) }
    } catch (error) {
      return Promise.reject(error)
    }
    scoped[ORIGINAL_KEY] = options.queryKey
    return this.#cache.swr(scoped)
  }

  swrMany<T>(options: SwrManyOptions<T>): Promise<(T | undefined)[]> {
    let scoped: SwrManyOptions<T> & ScopedMany
    try {
      if (!Array.isArray(options?.queryKeys)) throw new TypeError('queryKeys must be an array of query keys')
      scoped = {
        ...options,
        queryKeys: options.queryKeys.map((queryKey) => this.key(queryKey)),
        tags: this.#withTags(options.tags),
      }
    } catch (error) {
      return Promise.reject(error)
    }
    scoped[ORIGINAL_KEY] = options.queryKeys
    return this.#cache.swrMany(scoped)
  }

  get<T>(queryKey: QueryKey): Promise<T | undefined> {
    return this.#scoped(() => this.#cache.get<T>(this.key(queryKey)))
  }

  set<T>(queryKey: QueryKey, value: T, options: EntryOptions = {}): Promise<void> {
    return this.#scoped(() =>
      this.#cache.set(this.key(queryKey), value, { ...options, tags: this.#withTags(options.tags) }),
    )
  }

  /** Whether a live entry of this view exists in any tier: no load, no backfill, nothing counted. */
  has(queryKey: QueryKey): Promise<boolean> {
    return this.#scoped(() => this.#cache.has(this.key(queryKey)))
  }

  delete(queryKey: QueryKey): Promise<void> {
    return this.#scoped(() => this.#cache.delete(this.key(queryKey)))
  }

  /** Removes every key of `queryKeys` in this view: one batched invalidation per tier, one bus notice. */
  deleteMany(queryKeys: readonly QueryKey[]): Promise<void> {
    return this.#scoped(() => {
      if (!Array.isArray(queryKeys)) throw new TypeError('deleteMany takes an array of query keys')
      return this.#cache.deleteMany(queryKeys.map((queryKey) => this.key(queryKey)))
    })
  }

  expire(queryKey: QueryKey): Promise<void> {
    return this.#scoped(() => this.#cache.expire(this.key(queryKey)))
  }

  /** Tags are the application's own and span views: this is the cache's deleteByTag. */
  deleteByTag(tags: readonly string[]): Promise<void> {
    return this.#cache.deleteByTag(tags)
  }

  expireByTag(tags: readonly string[]): Promise<void> {
    return this.#cache.expireByTag(tags)
  }

  /** Every entry of this view (and of views nested in it) becomes a miss, in every process; nothing else moves. */
  clear(): Promise<void> {
    return this.#cache.deleteByTag([this.#tags[this.#tags.length - 1] as string])
  }

  namespace(name: string): CacheNamespace {
    return new CacheNamespace(this.#cache, this.#path, name)
  }

  #withTags(tags: readonly string[] | undefined): readonly string[] {
    return (tags === undefined ? this.#tags : checkTags(tags, this.#tags)) as readonly string[]
  }

  #scoped<R>(run: () => Promise<R>): Promise<R> {
    try {
      return run()
    } catch (error) {
      return Promise.reject(error)
    }
  }
}
