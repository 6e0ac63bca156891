/** The test harness's one look at the environment: where a Redis for the tests may already be. */
export function testRedisUrlFromEnv(env: Record<string, string | undefined> = process.env): string | undefined {
  return env.REDIS_URL || undefined;
}
