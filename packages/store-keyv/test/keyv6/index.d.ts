export { createClient, default as KeyvRedis } from '@keyv/redis'
export { Keyv } from 'keyv'
