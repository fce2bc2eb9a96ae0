// @tiered/store-keyv: any Keyv backend as a tier.

export type { KeyvInstance } from './keyv-instance.js'
export { createKeyvStore, KeyvStore, type KeyvStoreOptions } from './keyv-store.js'
