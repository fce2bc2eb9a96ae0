import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base.js'

// quick-lru ships ESM only: the CJS build carries its own copy so that `require` works on every Node 20.
export default defineConfig([
  packageBuild({ format: ['esm'] }),
  packageBuild({ format: ['cjs'], noExternal: ['quick-lru'], clean: false }),
])
