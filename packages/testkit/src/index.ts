export { redisUrl, uniquePrefix, deleteKeys, createTestRedis, scratchPrefix } from './redis.js';
export { teardownThenStop, waitFor, type WaitOptions } from './wait.js';
export { acquireRedis, pingRedis, freePort, RedisServerProcess, spawnRedisServer, type RedisHandle, type RedisServerOptions } from './redis-server.js';
export { makeTestCertificates, startTlsRedis, startSentinelSet, startRedisCluster, type TestCertificates, type SentinelSet, type RedisClusterSet } from './redis-topologies.js';
export { ScriptServer, type RecordedRequest, type ScriptedReply, type ReplyFn } from './script-server.js';
export { DelayProxy, type DelayProxyTarget } from './delay-proxy.js';
export { promtool, type PromtoolResult } from './promtool.js';
export { expectOpsThroughRedisOutage, type OpsServer } from './ops-outage.js';
export { metricSample } from './metrics-text.js';
