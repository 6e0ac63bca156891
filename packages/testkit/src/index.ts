export { redisUrl, uniquePrefix, deleteKeys, createTestRedis, scratchPrefix } from './redis.js';
export { waitFor, type WaitOptions } from './wait.js';
export { acquireRedis, pingRedis, freePort, RedisServerProcess, type RedisHandle, type RedisServerOptions } from './redis-server.js';
export { ScriptServer, type RecordedRequest, type ScriptedReply, type ReplyFn } from './script-server.js';
export { DelayProxy, type DelayProxyTarget } from './delay-proxy.js';
export { promtool, type PromtoolResult } from './promtool.js';
