import { createMapStore, type MapStore } from '@tiered/testing'
import { describe, expect, it, vi } from 'vitest'
import { type CacheEntry, TieredCache } from '../src/index.js'

function localStore(name: string): MapStore {
  const store = createMapStore(name)
  Object.defineProperty(store, 'local', { value: true })
  return store
}

function twoTiers() {
  const l1 = localStore('l1')
  const l2 = createMapStore('l2', { async: true })
  const cache = new TieredCache({ stores: [l1, l2] })
  return { l1, l2, cache }
}

describe('namespace(name)', () => {
  it('keys live under the name; queryFn sees the key as the caller gave it', async () => {
    const { cache, l2 } = twoTiers()
    const users = cache.namespace('users')
    const queryFn = vi.fn(({ queryKey }: { queryKey: unknown }) => `user ${JSON.stringify(queryKey)}`)
    await expect(users.swr({ queryKey: ['id', 1], queryFn })).resolves.toBe('user ["id",1]')
    expect((await l2.get('users:id:1'))?.value).toBe('user ["id",1]')
    await users.set('x', 1)
    await expect(users.get('x')).resolves.toBe(1)
    await expect(cache.get('users:x')).resolves.toBe(1)
    await expect(cache.get('x')).resolves.toBeUndefined()
  })

  it('clear() is one stamp write: no scan, no delete, nothing outside the namespace moves', async () => {
    const { cache, l2 } = twoTiers()
    const users = cache.namespace('users')
    const posts = cache.namespace('posts')
    for (let i = 0; i < 200; i++) await users.set(i.toString(), i)
    await posts.set('1', 'post')
    await cache.set('users-outside', 'root')
    await cache.set('k', 'tagged root', { tags: ['t'] })
    const before = { ...l2.calls }
    await users.clear()
    expect(l2.calls.set - before.set).toBe(1)
    expect(l2.calls.get + l2.calls.getMany).toBe(before.get + before.getMany)
    expect(l2.calls.delete + l2.calls.deleteMany).toBe(before.delete + before.deleteMany)
    for (let i = 0; i < 200; i += 20) await expect(users.get(i.toString())).resolves.toBeUndefined()
    await expect(posts.get('1')).resolves.toBe('post')
    await expect(cache.get('users-outside')).resolves.toBe('root')
    await expect(cache.get('k')).resolves.toBe('tagged root')
    // The namespace works again at once.
    await users.set('1', 'again')
    await expect(users.get('1')).resolves.toBe('again')
  })

  it('entries carry the application’s tags besides the namespace’s', async () => {
    const { cache, l1 } = twoTiers()
    const users = cache.namespace('users')
    await users.set('1', 'a', { tags: ['plan:free'] })
    await users.set('2', 'b')
    expect((l1.get('users:1') as CacheEntry).tags).toContain('plan:free')
    await users.deleteByTag(['plan:free'])
    await expect(users.get('1')).resolves.toBeUndefined()
    await expect(users.get('2')).resolves.toBe('b')
  })

  it('views nest: clearing a parent clears its nested views, clearing a child leaves the parent', async () => {
    const { cache } = twoTiers()
    const tenant = cache.namespace('tenant-1')
    const orders = tenant.namespace('orders')
    await tenant.set('settings', 's')
    await orders.set('o1', 'order')
    expect(orders.key('o1')).toBe('tenant-1:orders:o1')
    await orders.clear()
    await expect(orders.get('o1')).resolves.toBeUndefined()
    await expect(tenant.get('settings')).resolves.toBe('s')
    await orders.set('o1', 'order again')
    await tenant.clear()
    await expect(orders.get('o1')).resolves.toBeUndefined()
    await expect(tenant.get('settings')).resolves.toBeUndefined()
  })

  it('a name holding ":" is not a nested path, and two tenants never share keys or clears', async () => {
    const { cache } = twoTiers()
    const flat = cache.namespace('a:b')
    const nested = cache.namespace('a').namespace('b')
    expect(flat.key('k')).not.toBe(nested.key('k'))
    await flat.set('k', 'flat')
    await nested.set('k', 'nested')
    await nested.clear()
    await expect(flat.get('k')).resolves.toBe('flat')
  })

  it('a namespace per tenant: one tenant’s clear leaves the others', async () => {
    const { cache } = twoTiers()
    const tenantCache = (tenant: string) => cache.namespace(`tenant:${tenant}`)
    const load = vi.fn(async ({ queryKey }: { queryKey: unknown }) => `profile ${String(queryKey)}`)
    await tenantCache('acme').swr({ queryKey: 'profile', queryFn: load })
    await tenantCache('globex').swr({ queryKey: 'profile', queryFn: load })
    await tenantCache('acme').clear()
    await tenantCache('globex').swr({ queryKey: 'profile', queryFn: load })
    expect(load).toHaveBeenCalledTimes(2)
    await tenantCache('acme').swr({ queryKey: 'profile', queryFn: load })
    expect(load).toHaveBeenCalledTimes(3)
  })

  it('swrMany, delete and expire act on the namespace’s keys', async () => {
    const { cache } = twoTiers()
    const ns = cache.namespace('n')
    const queryFn = vi.fn(async ({ queryKeys }: { queryKeys: readonly unknown[] }) =>
      queryKeys.map((k) => `v${k}`),
    )
    await expect(ns.swrMany({ queryKeys: ['1', '2'], queryFn })).resolves.toEqual(['v1', 'v2'])
    await expect(cache.get('n:1')).resolves.toBe('v1')
    await ns.delete('1')
    await expect(cache.get('n:1')).resolves.toBeUndefined()
    await ns.expire('2')
    await expect(ns.get('2')).resolves.toBeUndefined()
    await ns.clear()
    await expect(ns.swrMany({ queryKeys: ['1', '2'], queryFn })).resolves.toEqual(['v1', 'v2'])
    expect(queryFn).toHaveBeenCalledTimes(2)
  })

  it('an empty name is a TypeError', () => {
    const { cache } = twoTiers()
    expect(() => cache.namespace('')).toThrow(TypeError)
  })
})
