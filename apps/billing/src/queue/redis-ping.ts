// Readiness of Redis: it answers PING. Takes any client with `ping` (an ioredis connection).
export async function pingRedis(redis: { ping(): Promise<string> }): Promise<void> {
  const answer = await redis.ping();
  if (answer !== 'PONG') throw new Error(`Redis answered PING with ${answer}`);
}
