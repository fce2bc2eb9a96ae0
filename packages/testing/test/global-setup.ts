// The globalSetup of this package's own tests, wired exactly as other packages wire theirs.

import type { TestProject } from 'vitest/node'
import { setupRedis } from '../src/index.js'

export default (project: TestProject) => setupRedis(project)
