// keyv 6 and @keyv/redis 6 for the store's tests, resolved from here so that @keyv/redis gets keyv 6 as its peer.

export { createClient, default as KeyvRedis } from '@keyv/redis'
export { Keyv } from 'keyv'
