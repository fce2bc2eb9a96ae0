import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base.js'

// `node:test` exists only with its prefix: tsup must not strip it (it would require a package named `test`).
export default defineConfig(packageBuild({ removeNodeProtocol: false }))
