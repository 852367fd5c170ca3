import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryStore, StoredImage, StoredMessage } from '../../src/history/history-store.ts';
import { historyKeys } from '../../src/history/redis/history-keys.ts';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
import type { HistoryStoreFactory, HistoryStoreTestOptions } from './history-store.contract.ts';

/** What a backend can show beyond the interface: the TTLs Redis keeps for an image (ms; -1 none, -2 absent). */
export interface ImageStoreProbe {
  /** PTTL of the image's key and of the session's images set. */
  ttls(store: HistoryStore, sessionId: string, sha256: string): Promise<{ image: number; set: number }>;
}

/**
 * A Redis factory (a fresh prefix per store) together with a probe that reads its keys' TTLs; `client` is asked
 * for the connection only when a test runs (suites connect in `beforeAll`).
 */
export function redisImagesTarget(
  client: () => Redis | Cluster,
  label: string,
): { factory: HistoryStoreFactory; probe: ImageStoreProbe } {
  const prefixes = new WeakMap<HistoryStore, string>();
  return {
    factory: (options) => {
      const prefix = `${label}-${randomUUID()}`;
      const store = createRedisHistoryStore({ redis: client(), prefix, ...options });
      prefixes.set(store, prefix);
      return store;
    },
    probe: {
      async ttls(store, sessionId, sha256) {
        const keys = historyKeys(prefixes.get(store)!, sessionId);
        const [image, set] = await Promise.all([
          client().pttl(keys.image(sha256)),
          client().pttl(keys.images),
        ]);
        return { image, set };
      },
    },
  };
}

/** An image of `bytes` with their real hash. */
function image(bytes: Uint8Array, mimeType = 'image/png'): StoredImage {
  return { sha256: createHash('sha256').update(bytes).digest('hex'), mimeType, bytes };
}

/** Every byte value, then random bytes: nothing of it survives a UTF-8 round trip by accident. */
function binary(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(Uint8Array.from({ length: 256 }, (_, index) => index));
  bytes.set(randomBytes(size - 256), 256);
  return bytes;
}

function message(content: string, extra: Partial<StoredMessage> = {}): StoredMessage {
  return {
    role: 'user',
    content,
    author: { id: 'U1', name: 'Ada' },
    at: 1_700_000_000_000,
    tokens: 10,
    ...extra,
  };
}

/** `putImage`/`loadImages` and stored attachments, for every `HistoryStore`. */
export function historyStoreImagesContract(
  name: string,
  factory: HistoryStoreFactory,
  probe?: ImageStoreProbe,
): void {
  describe(`HistoryStore images contract: ${name}`, () => {
    const sid = 'slack:T1:C1:1700000000.000100';
    const opened: HistoryStore[] = [];
    let store: HistoryStore;
    const open = async (options: HistoryStoreTestOptions) => {
      const extra = await factory(options);
      opened.push(extra);
      return extra;
    };

    beforeEach(async () => {
      store = await open({});
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((each) => each.close()));
    });

    it('puts and loads exact bytes and the mime type, only in the session it was put in', async () => {
      const png = image(binary(256 * 1024));
      const jpeg = image(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x80, 0xc3, 0x28]), 'image/jpeg');
      expect(await store.putImage(sid, png)).toBe(true);
      expect(await store.putImage(sid, jpeg)).toBe(true);
      const loaded = await store.loadImages(sid, [png.sha256, jpeg.sha256]);
      expect([...loaded.keys()].sort()).toEqual([png.sha256, jpeg.sha256].sort());
      for (const original of [png, jpeg]) {
        const got = loaded.get(original.sha256)!;
        expect(got.sha256).toBe(original.sha256);
        expect(got.mimeType).toBe(original.mimeType);
        expect(got.bytes).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(got.bytes).equals(Buffer.from(original.bytes))).toBe(true);
      }
      expect((await store.loadImages('slack:T1:C1:other', [png.sha256])).size).toBe(0);
    });

    it('keeps one image per hash: a second put resolves true and leaves the first', async () => {
      const first = image(binary(1024));
      expect(await store.putImage(sid, first)).toBe(true);
      expect(await store.putImage(sid, { ...first, mimeType: 'image/webp' })).toBe(true);
      const loaded = await store.loadImages(sid, [first.sha256, first.sha256]);
      expect(loaded.size).toBe(1);
      expect(loaded.get(first.sha256)?.mimeType).toBe('image/png');
    });

    it('refuses an image above maxImageBytes and keeps one at the limit', async () => {
      const capped = await open({ maxImageBytes: 300 });
      const over = image(binary(301));
      const atLimit = image(binary(300));
      expect(await capped.putImage(sid, over)).toBe(false);
      expect(await capped.putImage(sid, atLimit)).toBe(true);
      const loaded = await capped.loadImages(sid, [over.sha256, atLimit.sha256]);
      expect([...loaded.keys()]).toEqual([atLimit.sha256]);
    });

    it('leaves missing hashes out, and loads nothing for no hashes or an unknown session', async () => {
      const kept = image(binary(512));
      await store.putImage(sid, kept);
      const missing = 'f'.repeat(64);
      expect([...(await store.loadImages(sid, [missing, kept.sha256])).keys()]).toEqual([kept.sha256]);
      expect((await store.loadImages(sid, [])).size).toBe(0);
      expect((await store.loadImages('console:nobody', [kept.sha256])).size).toBe(0);
    });

    it('rejects a malformed image or limit before storing anything', async () => {
      const good = image(binary(300));
      await expect(store.putImage(sid, { ...good, sha256: '../x' })).rejects.toThrow(RangeError);
      await expect(store.putImage(sid, { ...good, mimeType: '' })).rejects.toThrow(RangeError);
      expect((await store.loadImages(sid, ['../x'])).size).toBe(0);
      await expect(open({ maxImageBytes: 0 })).rejects.toThrow(RangeError);
    });

    it('forget, forgetScope, clear and reset commits drop the images; a plain commit keeps them', async () => {
      const kept = image(binary(400));
      const thread = 'slack:T1:C1:2.2';
      const has = async (sessionId: string) => (await store.loadImages(sessionId, [kept.sha256])).size === 1;
      await store.putImage(sid, kept);
      await store.commitTurn(sid, { seq: 1, messages: [message('look')] });
      expect(await has(sid)).toBe(true);
      await store.commitTurn(sid, { seq: 2, messages: [], clear: true });
      expect(await has(sid)).toBe(false);

      await store.putImage(sid, kept);
      await store.commitTurn(sid, { seq: 3, messages: [], forget: true });
      expect(await has(sid)).toBe(false);

      await store.putImage(sid, kept);
      await store.clear(sid);
      expect(await has(sid)).toBe(false);

      await store.putImage(sid, kept);
      await store.forget(sid);
      expect(await has(sid)).toBe(false);
      expect(await store.committedSeq(sid)).toBe(3);

      await store.commitTurn(thread, { seq: 1, messages: [message('in thread')], scopeId: 'slack:T1:C1' });
      await store.putImage(thread, kept);
      await store.forgetScope('slack:T1:C1', { before: Date.now() });
      expect(await has(thread)).toBe(false);
      // A forgotten session can keep images again.
      expect(await store.putImage(sid, kept)).toBe(true);
      expect(await has(sid)).toBe(true);
    });

    it('images expire with the conversation under retention; a commit renews them', async () => {
      let time = 1_750_000_000_000;
      // Redis expires keys on its own clock, so the TTL is short and real; memory follows the given clock.
      const retained = await open({ now: () => time, historyTtlMs: 1500 });
      const kept = image(binary(300));
      const pass = async (ms: number) => {
        time += ms;
        await new Promise((resolve) => setTimeout(resolve, ms));
      };
      await retained.putImage(sid, kept);
      if (probe) {
        const ttls = await probe.ttls(retained, sid, kept.sha256);
        expect(ttls.image).toBeGreaterThan(0);
        expect(ttls.image).toBeLessThanOrEqual(1500);
        expect(ttls.set).toBeGreaterThan(0);
      }
      await pass(900);
      await retained.commitTurn(sid, { seq: 1, messages: [message('still here')] });
      await pass(900);
      expect((await retained.loadImages(sid, [kept.sha256])).size).toBe(1);
      time += 1501;
      await vi.waitFor(async () => expect((await retained.loadImages(sid, [kept.sha256])).size).toBe(0), {
        timeout: 5000,
        interval: 50,
      });
    });

    it('without retention an image keeps no TTL', async () => {
      if (!probe) return;
      const kept = image(binary(300));
      await store.putImage(sid, kept);
      expect(await probe.ttls(store, sid, kept.sha256)).toEqual({ image: -1, set: -1 });
    });

    it('round-trips messages with attachments through commit, append, load, loadOldest and compact', async () => {
      const attachments: StoredMessage['attachments'] = [
        {
          name: 'chart.png',
          kind: 'image',
          mimeType: 'image/png',
          sizeBytes: 2048,
          sha256: 'a'.repeat(64),
          width: 640,
          height: 480,
          tokens: 85,
        },
        {
          name: 'notes – ünïcode.txt',
          kind: 'text',
          mimeType: 'text/plain',
          sizeBytes: 12,
          tokens: 9,
          text: '```notes.txt\nline "one"\n```',
          truncated: true,
        },
        { name: 'movie.mp4', kind: 'skipped', mimeType: 'video/mp4', reason: 'unsupported_type' },
      ];
      const withFiles = message('see attached', { attachments, tokens: 120 });
      const plain = message('and then');
      await store.commitTurn(sid, { seq: 1, messages: [withFiles] });
      await store.append(sid, [plain, withFiles]);
      expect(await store.load(sid)).toEqual([withFiles, plain, withFiles]);
      const [oldest] = await store.loadOldest(sid, 1);
      expect(oldest).toEqual(withFiles);
      expect(
        await store.compact(sid, { dropCount: 1, lastDropped: oldest!, droppedTokens: 120, summary: 's' }),
      ).toBe(true);
      expect(await store.load(sid)).toEqual([plain, withFiles]);
      expect((await store.getMeta(sid)).historyTokens).toBe(130);
    });
  });
}
