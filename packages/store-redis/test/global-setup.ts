// One redis-server and one 3-master Redis Cluster for this package's tests, stopped afterwards.

export { setupRedisAndCluster as default } from '@tiered/testing'
