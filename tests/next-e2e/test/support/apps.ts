// Where the example apps live: workspace packages this one depends on.

import { createRequire } from 'node:module'
import { dirname } from 'node:path'

const require = createRequire(import.meta.url)

/** The directory of an example app package. */
export function appDir(packageName: string): string {
  return dirname(require.resolve(`${packageName}/package.json`))
}
