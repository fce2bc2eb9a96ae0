// @tiered/store-keyv: any Keyv backend as a tier.

export { createKeyvStore, KeyvStore } from './keyv-store.js'
