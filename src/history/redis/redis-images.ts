import { checkImage } from '../history-arguments.ts';
import type { HistoryStore, StoredImage } from '../history-store.ts';
import { checkTransaction } from './check-transaction.ts';
import { historyKeys } from './history-keys.ts';
import type { RedisHistoryContext } from './redis-history-context.ts';

/** The images kept per conversation (`putImage`, `loadImages`). */
export type RedisImages = Pick<HistoryStore, 'putImage' | 'loadImages'>;

/**
 * One hash per image under the session's hash tag (`image(sha256)` in history-keys.ts: fields `mimeType` and
 * `bytes`, the raw bytes), named in the session's `images` set so that forget and reset scripts delete them in
 * the same step. Each is written once per hash (HSETNX) in a MULTI that also renews, with retention, the
 * image, the set and the session's history and meta (a put is a write of the conversation, as in memory).
 */
export function createRedisImages(
  { redis, prefix, ttlMs }: Pick<RedisHistoryContext, 'redis' | 'prefix' | 'ttlMs'>,
  maxImageBytes: number,
): RedisImages {
  return {
    async putImage(sessionId, image) {
      checkImage(image);
      if (image.bytes.byteLength > maxImageBytes) return false;
      const keys = historyKeys(prefix, sessionId);
      const key = keys.image(image.sha256);
      const bytes = Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength);
      const transaction = redis
        .multi()
        .hsetnx(key, 'mimeType', image.mimeType)
        .hsetnx(key, 'bytes', bytes)
        .sadd(keys.images, key);
      if (ttlMs > 0) {
        for (const renewed of [key, keys.images, keys.history, keys.meta])
          transaction.pexpire(renewed, ttlMs);
      } else {
        transaction.persist(key).persist(keys.images);
      }
      checkTransaction(await transaction.exec());
      return true;
    },

    async loadImages(sessionId, sha256s) {
      const wanted = [...new Set(sha256s)];
      const found = new Map<string, StoredImage>();
      if (wanted.length === 0) return found;
      const keys = historyKeys(prefix, sessionId);
      // One slot (the session's hash tag), so one transaction even on Cluster.
      const transaction = redis.multi();
      for (const sha256 of wanted) transaction.hmgetBuffer(keys.image(sha256), 'mimeType', 'bytes');
      const results = checkTransaction(await transaction.exec());
      wanted.forEach((sha256, index) => {
        const [mimeType, bytes] = (results[index]?.[1] ?? []) as (Buffer | null)[];
        if (!mimeType || !bytes) return;
        const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        found.set(sha256, { sha256, mimeType: mimeType.toString('utf8'), bytes: view });
      });
      return found;
    },
  };
}
