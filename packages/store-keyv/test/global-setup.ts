// Starts one redis-server on a free loopback port for the run and provides it as inject('redisUrl').

import { setupRedis } from '@tiered/testing'
import type { TestProject } from 'vitest/node'

export default (project: TestProject) => setupRedis(project)
