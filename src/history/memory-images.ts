import { checkImage } from './history-arguments.ts';
import type { HistoryStore, StoredImage } from './history-store.ts';
import type { MemorySessions } from './memory-sessions.ts';

/** The images kept per conversation (`putImage`, `loadImages`). */
export type MemoryImages = Pick<HistoryStore, 'putImage' | 'loadImages'>;

/**
 * Images live in their session's state (`MemorySession.images`), so they expire with it and go with `forget`,
 * `clear` and a reset commit. Bytes are copied on the way in and out, so callers never share stored buffers.
 */
export function createMemoryImages(sessions: MemorySessions, maxImageBytes: number): MemoryImages {
  return {
    async putImage(sessionId, image) {
      checkImage(image);
      if (image.bytes.byteLength > maxImageBytes) return false;
      const state = sessions.obtain(sessionId);
      state.images ??= new Map();
      // Once per content hash: the first bytes and type stay, as HSETNX keeps them in Redis.
      if (!state.images.has(image.sha256)) {
        state.images.set(image.sha256, {
          sha256: image.sha256,
          mimeType: image.mimeType,
          bytes: new Uint8Array(image.bytes),
        });
      }
      sessions.touch(state);
      return true;
    },

    async loadImages(sessionId, sha256s) {
      const images = sessions.find(sessionId)?.images;
      const found = new Map<string, StoredImage>();
      for (const sha256 of sha256s) {
        const image = images?.get(sha256);
        if (image) found.set(sha256, { ...image, bytes: new Uint8Array(image.bytes) });
      }
      return found;
    },
  };
}
