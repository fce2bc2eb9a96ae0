// One redis-server for this package's tests, stopped afterwards.

export { setupRedis as default } from '@tiered/testing'
