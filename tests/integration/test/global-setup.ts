// Starts one redis-server and one 3-master Redis Cluster for this package's tests, and stops both afterwards,
// also when only one of them came up.

import { setupRedis, setupRedisCluster } from '@tiered/testing'
import type { TestProject } from 'vitest/node'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = await Promise.allSettled([setupRedis(project), setupRedisCluster(project)])
  const teardowns = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []))
  const teardown = async (): Promise<void> => {
    const stopped = await Promise.allSettled(teardowns.map((stop) => stop()))
    const failed = stopped.find((outcome) => outcome.status === 'rejected')
    if (failed !== undefined) throw failed.reason
  }
  const failure = started.find((outcome) => outcome.status === 'rejected')
  if (failure !== undefined) {
    await teardown()
    throw failure.reason
  }
  return teardown
}
