// The version of every package the bench compares, read from the installed package.json files.

import { readFileSync } from 'node:fs'

const PACKAGES = [
  '@tiered/core',
  '@tiered/store-memory',
  '@tiered/store-redis',
  'bentocache',
  'cacheable',
  'cache-manager',
  '@epic-web/cachified',
  'keyv',
  '@keyv/redis',
  'lru-cache',
  'ioredis',
  'redis',
]

export function installedVersions(): Record<string, string> {
  const versions: Record<string, string> = {}
  for (const name of PACKAGES) {
    try {
      const url = new URL(`../node_modules/${name}/package.json`, import.meta.url)
      versions[name] = (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
    } catch {
      versions[name] = 'not installed'
    }
  }
  return versions
}
