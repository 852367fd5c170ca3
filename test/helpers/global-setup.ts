import { redisServerBinary } from './redis-server.ts';

/** Fails fast, in one line, when the suite cannot spawn its own Redis. */
export default function setup(): void {
  if (!redisServerBinary()) {
    throw new Error(
      'redis-server is not installed: run `apt-get install -y redis-server` (or `brew install redis`) and retry.',
    );
  }
}
