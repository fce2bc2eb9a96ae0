// Public surface of @tiered/keys: stable serialisation and the key hashes built on it.
export { hashKeyJSON, hashKeyMD5, hashKeySHA256 } from './hash.js'
export { stableStringify } from './stable-stringify.js'
