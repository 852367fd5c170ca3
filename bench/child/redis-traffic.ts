import type { Redis } from 'ioredis';

/** Traffic of one Redis connection. */
export interface RedisTraffic {
  /** Commands sent (a MULTI/EXEC or pipeline counts each command in it). */
  commands: number;
  /** Writes to the socket, i.e. round trips started (a pipeline is one). */
  writes: number;
}

export /** Counts what goes over `redis` (commands and socket writes), to relate CPU to round trips. */
function countTraffic(redis: Redis): RedisTraffic {
  const traffic: RedisTraffic = { commands: 0, writes: 0 };
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (...args: Parameters<Redis['sendCommand']>) => {
    traffic.commands++;
    return send(...args);
  };
  redis.on('connect', () => {
    const stream = (redis as unknown as { stream: NodeJS.WritableStream }).stream;
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((...args: unknown[]) => {
      traffic.writes++;
      return write(...args);
    }) as NodeJS.WritableStream['write'];
  });
  return traffic;
}
