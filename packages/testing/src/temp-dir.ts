// A fresh temporary working directory per redis-server (its nodes.conf and any dump land there),
// removed when the server stops or, failing that, when the process exits.

import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onProcessExit } from './cleanup-on-exit.js'

export interface TempDir {
  readonly path: string
  remove(): Promise<void>
}

export async function createTempDir(prefix = 'tiered-redis-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  const unregister = onProcessExit(() => rmSync(path, { recursive: true, force: true }))
  return {
    path,
    async remove() {
      unregister()
      await rm(path, { recursive: true, force: true })
    },
  }
}
