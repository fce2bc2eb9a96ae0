// @tiered/store-keyv: any Keyv backend as a tier.

export type { KeyvInstance } from './keyv-instance.js'
export { createKeyvStore, KeyvStore } from './keyv-store.js'
